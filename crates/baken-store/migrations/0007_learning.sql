-- Learning platform: who completed which module or practice case, when, with what score.
-- (0006 is reserved for another migration.)
CREATE TABLE learning_progress (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    -- module | case
    kind          TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    -- the day of completion, YYYY-MM-DD (a date, not a time)
    completed_on  TEXT NOT NULL,
    -- percentage of choices that agreed with the expected answer (100 for a module)
    score         BIGINT NOT NULL,
    recorded_at   BIGINT NOT NULL
);
CREATE INDEX learning_progress_org ON learning_progress (org_id, user_id);
