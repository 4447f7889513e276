-- Triage and dossiers. (0004 is the anonymous-reports migration.)

-- Clearance on the eight ZGW confidentiality levels: 1 openbaar … 8 zeer geheim.
ALTER TABLE users ADD COLUMN clearance BIGINT NOT NULL DEFAULT 5;

ALTER TABLE signals ADD COLUMN assignee_id TEXT;
ALTER TABLE signals ADD COLUMN dossier_id TEXT;
-- Why a signal needs no follow-up (seen by case readers only, never by the author).
ALTER TABLE signals ADD COLUMN closed_reason TEXT;

CREATE TABLE dossiers (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations (id),
    title            TEXT NOT NULL,
    confidentiality  BIGINT NOT NULL,
    -- new, assessing, action, referred, monitoring, closed
    status           TEXT NOT NULL,
    result           TEXT,
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX dossiers_org ON dossiers (org_id, status);

CREATE TABLE dossier_members (
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (dossier_id, user_id)
);

-- The timeline: everything that happened, in order. Notes and decisions live here too.
CREATE TABLE dossier_events (
    id          TEXT PRIMARY KEY,
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id),
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX dossier_events_dossier ON dossier_events (dossier_id, at);

CREATE TABLE dossier_tasks (
    id          TEXT PRIMARY KEY,
    dossier_id  TEXT NOT NULL REFERENCES dossiers (id),
    title       TEXT NOT NULL,
    owner_id    TEXT NOT NULL REFERENCES users (id),
    deadline    TEXT NOT NULL,
    done        BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);
CREATE INDEX dossier_tasks_dossier ON dossier_tasks (dossier_id);
