-- Lessons from practice: a practice case drafted from a closed dossier by a coordinator,
-- anonymised, reviewed by a trainer and then published to the organisation's learners.
CREATE TABLE case_drafts (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations (id),
    dossier_id       TEXT NOT NULL REFERENCES dossiers (id),
    title            TEXT NOT NULL,
    scenario         TEXT NOT NULL,
    context          TEXT NOT NULL,
    -- the ticked indicators, space separated
    indicators       TEXT NOT NULL,
    expected_action  TEXT NOT NULL,
    -- draft | published
    status           TEXT NOT NULL,
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    published_by     TEXT REFERENCES users (id),
    published_at     BIGINT
);
CREATE INDEX case_drafts_org ON case_drafts (org_id, status);
