-- The postcode areas an organisation receives public reports for: NL postcodes by their
-- four digits, BE postcodes as they are (1000–9999). Kept by system administration
-- (`baken admin org postcodes`). Where areas overlap, the narrowest wins.
CREATE TABLE org_postcode_areas (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    from_code  BIGINT NOT NULL,
    to_code    BIGINT NOT NULL,
    PRIMARY KEY (org_id, from_code)
);
CREATE INDEX org_postcode_areas_range ON org_postcode_areas (from_code, to_code);
