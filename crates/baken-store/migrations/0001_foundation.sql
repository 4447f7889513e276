-- Foundation: organisations, users and roles, sessions, login throttling, audit trail.
-- Portable SQL: this one file runs unchanged on SQLite and PostgreSQL. Times are unix
-- seconds (BIGINT), flags are BIGINT 0/1, ids are random hex TEXT made by the application.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    country     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT organisations_name_unique UNIQUE (name)
);

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    username              TEXT NOT NULL,
    display_name          TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    totp_secret           TEXT,
    totp_enabled          BIGINT NOT NULL DEFAULT 0,
    disabled              BIGINT NOT NULL DEFAULT 0,
    must_change_password  BIGINT NOT NULL DEFAULT 0,
    lang                  TEXT,
    created_at            BIGINT NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
);

CREATE TABLE memberships (
    user_id  TEXT NOT NULL REFERENCES users (id),
    org_id   TEXT NOT NULL REFERENCES organisations (id),
    role     TEXT NOT NULL,
    PRIMARY KEY (user_id, org_id, role)
);
CREATE INDEX memberships_org ON memberships (org_id);

-- Only a SHA-256 of the session id is stored: a database dump yields no usable session.
CREATE TABLE sessions (
    id_hash        TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id),
    org_id         TEXT REFERENCES organisations (id),
    csrf_token     TEXT NOT NULL,
    second_factor  BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins per (hashed) username, whether or not the account exists.
CREATE TABLE login_throttle (
    key_hash      TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    last_failure  BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_user_id  TEXT,
    actor_org_id   TEXT,
    action         TEXT NOT NULL,
    object_type    TEXT NOT NULL,
    object_id      TEXT,
    subject        TEXT,
    purpose        TEXT NOT NULL,
    result         TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id);
CREATE INDEX audit_log_subject ON audit_log (subject);

-- The head of the chain, updated in the same transaction as each append; it makes
-- truncation of the log detectable and serialises appends (one row to lock).
CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
