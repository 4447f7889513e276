-- Barriers applied on dossiers, and the organisation's contact-point directory.

-- A measure from the indicator library's barriers, chosen for a dossier.
CREATE TABLE dossier_barriers (
    id          TEXT PRIMARY KEY,
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id),
    -- The library's barrier id, e.g. BAR-01.
    barrier_id  TEXT NOT NULL,
    -- Who applies it: a free name and/or organisation.
    applied_by  TEXT NOT NULL,
    -- planned, in_progress, done, dropped
    status      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX dossier_barriers_dossier ON dossier_barriers (dossier_id);

-- Partner organisations and named contact points, kept per organisation by its
-- administrators and read by its case readers.
CREATE TABLE contact_points (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    partner     TEXT NOT NULL,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL,
    region      TEXT NOT NULL,
    -- Space-separated phenomenon ids of the indicator library; empty for all.
    phenomena   TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT NOT NULL,
    address     TEXT NOT NULL,
    hours       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX contact_points_org ON contact_points (org_id, country, region);

-- A referral from a dossier to a contact point of the directory, with the data
-- categories chosen for it (space-separated codes; data minimisation).
CREATE TABLE dossier_referrals (
    id          TEXT PRIMARY KEY,
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id),
    contact_id  TEXT NOT NULL,
    partner     TEXT NOT NULL,
    contact     TEXT NOT NULL,
    categories  TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX dossier_referrals_dossier ON dossier_referrals (dossier_id);
