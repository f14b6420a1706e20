-- +goose Up
ALTER TABLE users ADD COLUMN given_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN usual_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN siret TEXT;
ALTER TABLE users ADD COLUMN organization TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_login_at TIMESTAMPTZ;
-- email_key is the e-mail lower-cased by the application (Unicode-aware,
-- unlike SQLite's lower()), for case-insensitive uniqueness and lookups.
ALTER TABLE users ADD COLUMN email_key TEXT;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key_idx ON users (email_key);
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMPTZ;

-- External identities (ProConnect and other OIDC providers), matched on (issuer, sub).
CREATE TABLE user_identities (
    id            BIGSERIAL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (issuer, subject)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

-- Server-side sessions; id is the SHA-256 of the cookie value.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    provider     TEXT NOT NULL DEFAULT '',
    id_token     TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL
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
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL
);

-- Single-use links sent by e-mail (verification, password reset); only hashes are stored.
CREATE TABLE email_tokens (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

-- Failed sign-ins per account and per address, for throttling.
CREATE TABLE auth_failures (
    id         BIGSERIAL PRIMARY KEY,
    key        TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_key_idx ON auth_failures (key, created_at);

-- Personal API tokens; only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Security events: logins, failures, role changes, tokens.
CREATE TABLE audit_events (
    id             BIGSERIAL PRIMARY KEY,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    action         TEXT NOT NULL,
    actor_id       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    target_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT '',
    details        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_created_idx ON audit_events (created_at DESC);

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
