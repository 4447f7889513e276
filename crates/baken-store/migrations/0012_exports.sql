-- Exports and scale. (0009–0011 are other features' migrations.)

-- When the session's user last re-entered their password (and TOTP code): exports need
-- a fresh confirmation. 0 = never.
ALTER TABLE sessions ADD COLUMN confirmed_at BIGINT NOT NULL DEFAULT 0;

-- The inbox reads one organisation's submitted signals, newest first, a page at a time.
CREATE INDEX signals_org_submitted ON signals (org_id, submitted_at);
-- A dossier page reads the signals attached to it.
CREATE INDEX signals_dossier ON signals (dossier_id);
CREATE INDEX dossier_members_user ON dossier_members (user_id);
CREATE INDEX dossiers_org_updated ON dossiers (org_id, updated_at);
