-- An analyst's decision about a suggested link between two signals: remembered, undoable
-- (the row is deleted), audited, and usable as a label to improve the model.
CREATE TABLE link_decisions (
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    -- The pair, smaller id first, so a pair has one row whichever side it was decided from.
    signal_a     TEXT NOT NULL REFERENCES signals (id),
    signal_b     TEXT NOT NULL REFERENCES signals (id),
    decision     TEXT NOT NULL,
    decided_by   TEXT NOT NULL REFERENCES users (id),
    decided_at   BIGINT NOT NULL,
    PRIMARY KEY (signal_a, signal_b)
);
