-- Anonymous reports from the public channel and their follow-up thread.
-- Nothing here identifies the reporter: no address, no user agent, no exact time. Dates
-- written by the public side are days (YYYY-MM-DD, TEXT). Content and messages are
-- ciphertext (hex of nonce || XChaCha20-Poly1305 output) under the report's own data key;
-- the data key is stored only wrapped by the receiving organisation's key, which comes
-- from the configuration and is never stored here. Clearing `wrapped_key` shreds the report.

CREATE TABLE reports (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    -- First 24 bits of HMAC-SHA256(server lookup key, receipt), hex: a bucket to find the
    -- candidates to verify, not a unique key; reveals nothing without the server key.
    lookup        TEXT NOT NULL,
    -- argon2id PHC string of the 16-digit receipt.
    receipt_hash  TEXT NOT NULL,
    -- The data key sealed by the organisation's key; NULL once shredded.
    wrapped_key   TEXT,
    content       TEXT NOT NULL,
    lang          TEXT NOT NULL,
    -- received, in_progress, handled
    status        TEXT NOT NULL,
    created_on    TEXT NOT NULL,
    updated_on    TEXT NOT NULL
);
CREATE INDEX reports_lookup ON reports (lookup);
CREATE INDEX reports_org ON reports (org_id, status);

CREATE TABLE report_messages (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    seq         BIGINT NOT NULL,
    -- reporter, question (analyst to reporter) or note (internal, never shown publicly)
    kind        TEXT NOT NULL,
    -- The analyst who wrote it (NULL for the reporter).
    author_id   TEXT REFERENCES users (id),
    body        TEXT NOT NULL,
    created_on  TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);
