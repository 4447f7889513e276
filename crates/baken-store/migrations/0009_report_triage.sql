-- Anonymous reports in the triage inbox: assigned, closed without follow-up (with the
-- reason, never shown to the reporter), or attached to a dossier, like signals.
ALTER TABLE reports ADD COLUMN assignee_id TEXT;
ALTER TABLE reports ADD COLUMN dossier_id TEXT;
ALTER TABLE reports ADD COLUMN closed_reason TEXT;
