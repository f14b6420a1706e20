-- +goose Up
ALTER TABLE users ADD COLUMN given_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN usual_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN siret TEXT;
ALTER TABLE users ADD COLUMN organization TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_login_at DATETIME;
-- email_key is the e-mail lower-cased by the application (Unicode-aware,
-- unlike SQLite's lower()), for case-insensitive uniqueness and lookups.
ALTER TABLE users ADD COLUMN email_key TEXT;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key_idx ON users (email_key);
ALTER TABLE users ADD COLUMN deleted_at DATETIME;

-- External identities (ProConnect and other OIDC providers), matched on (issuer, sub).
CREATE TABLE user_identities (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_login_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (issuer, subject)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

-- Server-side sessions; id is the SHA-256 of the cookie value.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    provider     TEXT NOT NULL DEFAULT '',
    id_token     TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

-- Pending OpenID Connect logins and logouts: state, nonce and PKCE verifier, single use.
CREATE TABLE oidc_flows (
    state_hash    TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('login', 'logout')),
    provider      TEXT NOT NULL,
    nonce         TEXT NOT NULL DEFAULT '',
    code_verifier TEXT NOT NULL DEFAULT '',
    next_path     TEXT NOT NULL DEFAULT '/',
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at    DATETIME NOT NULL
);

-- Single-use links sent by e-mail (verification, password reset); only hashes are stored.
CREATE TABLE email_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME
);

-- Failed sign-ins per account and per address, for throttling.
CREATE TABLE auth_failures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX auth_failures_key_idx ON auth_failures (key, created_at);

-- Personal API tokens; only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at   DATETIME,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Security events: logins, failures, role changes, tokens.
CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    action         TEXT NOT NULL,
    actor_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    target_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    details        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_created_idx ON audit_events (created_at);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE api_tokens;
DROP TABLE auth_failures;
DROP TABLE email_tokens;
DROP TABLE oidc_flows;
DROP TABLE sessions;
DROP TABLE user_identities;
ALTER TABLE users DROP COLUMN deleted_at;
DROP INDEX users_email_key_idx;
ALTER TABLE users DROP COLUMN email_key;
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;
ALTER TABLE users DROP COLUMN last_login_at;
ALTER TABLE users DROP COLUMN organization;
ALTER TABLE users DROP COLUMN siret;
ALTER TABLE users DROP COLUMN usual_name;
ALTER TABLE users DROP COLUMN given_name;
