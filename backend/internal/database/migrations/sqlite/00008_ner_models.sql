-- +goose Up
-- The registry of trained entity-recognition models. A model is trained
-- from a release of a `ner` campaign by a job: its row exists from the
-- start ('training'), becomes 'ready' with its bytes in the blob store
-- (content-addressed, blob_key) and its scores on the release's test
-- split, or 'failed' with the reason; never half a model marked ready. At
-- most one ready model is active: the pseudonymisation engine uses it, or
-- rules and gazetteers alone when none is.
CREATE TABLE ner_models (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('training', 'ready', 'failed')),
    active          BOOLEAN NOT NULL DEFAULT FALSE,
    campaign_id     INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
    release_id      INTEGER REFERENCES releases (id) ON DELETE SET NULL,
    release_version TEXT NOT NULL DEFAULT '',
    blob_key        TEXT NOT NULL DEFAULT '',
    size            INTEGER NOT NULL DEFAULT 0,
    metrics         TEXT NOT NULL DEFAULT '{}',
    report          TEXT NOT NULL DEFAULT '{}',
    error           TEXT NOT NULL DEFAULT '',
    job_id          INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    trained_at      DATETIME,
    CHECK (NOT active OR status = 'ready'),
    CHECK (status <> 'ready' OR blob_key <> '')
);
CREATE UNIQUE INDEX ner_models_one_active ON ner_models (active) WHERE active;
CREATE INDEX ner_models_blob_idx ON ner_models (blob_key);

-- +goose Down
DROP TABLE ner_models;
