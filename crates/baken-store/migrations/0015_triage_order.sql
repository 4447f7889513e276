-- The triage inbox order as one indexed number (baken_domain::triage::triage_rank): acute
-- first, then high urgency, then the rest, newest first within each band. The inbox pages
-- through this index (keyset) instead of sorting every item of the organisation per view.
-- Set on submission; drafts keep NULL. Reports are back-filled by Store::migrate, because
-- their dates are text days that SQLite and PostgreSQL convert differently.
ALTER TABLE signals ADD COLUMN triage_rank BIGINT;
UPDATE signals
   SET triage_rank = (CASE WHEN acute <> 0 OR urgency = 'acute' THEN 0
                           WHEN urgency = 'high' THEN 1 ELSE 2 END) * 100000000000
                     + (100000000000 - COALESCE(submitted_at, created_at))
 WHERE status <> 'draft';
CREATE INDEX signals_triage ON signals (org_id, triage_rank, id);
-- The filters a coordinator uses most ("new", "mine", "unassigned") get their own order.
CREATE INDEX signals_triage_status ON signals (org_id, status, triage_rank, id);
CREATE INDEX signals_triage_assignee ON signals (org_id, assignee_id, triage_rank, id);

ALTER TABLE reports ADD COLUMN triage_rank BIGINT;
CREATE INDEX reports_triage ON reports (org_id, triage_rank, id);
