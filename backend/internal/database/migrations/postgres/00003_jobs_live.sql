-- +goose Up
-- Long operations (imports, exports, releases, training, batch pseudonymisation)
-- as users see them; River (river_* tables) executes them.
CREATE TABLE jobs (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    owner_id            BIGINT REFERENCES users (id) ON DELETE SET NULL,
    campaign_id         BIGINT REFERENCES campaigns (id) ON DELETE CASCADE,
    params              TEXT NOT NULL DEFAULT '{}',
    result              TEXT NOT NULL DEFAULT '',
    error               TEXT NOT NULL DEFAULT '',
    stage               TEXT NOT NULL DEFAULT '',
    done                BIGINT NOT NULL DEFAULT 0,
    total               BIGINT NOT NULL DEFAULT 0,
    message             TEXT NOT NULL DEFAULT '',
    attempt             INTEGER NOT NULL DEFAULT 0,
    node                TEXT NOT NULL DEFAULT '',
    river_job_id        BIGINT,
    cancel_requested_at TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at          TIMESTAMPTZ,
    finished_at         TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX jobs_owner_idx ON jobs (owner_id, id);
CREATE INDEX jobs_campaign_idx ON jobs (campaign_id, id);
CREATE INDEX jobs_state_idx ON jobs (state);

-- The live feed: every event with its per-topic sequence, kept for replay
-- to clients that reconnect (24 h by default).
CREATE TABLE events (
    id         BIGSERIAL PRIMARY KEY,
    topic      TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (topic, seq)
);
CREATE INDEX events_created_idx ON events (created_at);

-- The last sequence number of each topic; its row lock orders a topic's events.
CREATE TABLE event_topics (
    topic TEXT PRIMARY KEY,
    seq   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE event_topics;
DROP TABLE events;
DROP TABLE jobs;
