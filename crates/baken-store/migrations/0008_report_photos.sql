-- Photos sent with an anonymous report or a later follow-up. Stored only after they were
-- re-encoded (no EXIF, no GPS, no device data) and only as ciphertext under the report's
-- own data key (hex of nonce || XChaCha20-Poly1305 output), so shredding the report's key
-- shreds its photos. Dates are days, as everywhere on the public side.

CREATE TABLE report_photos (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    seq         BIGINT NOT NULL,
    media_type  TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_on  TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);
