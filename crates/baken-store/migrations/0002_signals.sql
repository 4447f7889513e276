-- Signals recorded by frontline workers, their identifiers for linking, and API tokens.

CREATE TABLE signals (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations (id),
    author_id        TEXT NOT NULL REFERENCES users (id),
    -- draft, received, in_progress, handled
    status           TEXT NOT NULL,
    context          TEXT NOT NULL,
    urgency          TEXT NOT NULL,
    acute            BIGINT NOT NULL DEFAULT 0,
    -- The form fields exactly as typed (JSON array of [name, value]): nothing typed is lost.
    fields           TEXT NOT NULL,
    -- Incremented on every save; background autosaves only apply to the revision they
    -- were made from, so a late autosave never overwrites a newer save.
    revision         BIGINT NOT NULL DEFAULT 0,
    -- The explained reading at submission (JSON), with the library it was made with.
    reading          TEXT,
    highest_level    TEXT,
    library_version  TEXT,
    library_hash     TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    submitted_at     BIGINT
);
CREATE INDEX signals_org_status ON signals (org_id, status);
CREATE INDEX signals_author ON signals (author_id);

CREATE TABLE signal_identifiers (
    signal_id     TEXT NOT NULL REFERENCES signals (id),
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    entity_index  BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    value         TEXT NOT NULL
);
CREATE INDEX signal_identifiers_value ON signal_identifiers (kind, value);
CREATE INDEX signal_identifiers_signal ON signal_identifiers (signal_id);

-- Personal API tokens: only a SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked       BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
