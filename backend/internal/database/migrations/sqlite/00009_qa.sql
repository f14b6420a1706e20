-- +goose Up
-- The question-answering engine in the platform. A collection is the set
-- of passages one asks questions about: copied from a campaign's
-- paragraphs, or uploaded (a zip of .txt files, a SQuAD file). Its
-- passages live here, so that any node can rebuild the BM25 index (kept
-- under the data directory, one directory per index_version) when it does
-- not have it. Readers are trained from releases of `qa` campaigns by a job
-- and registered in qa_models ('training', then 'ready' with the bytes in
-- the blob store, or 'failed' with the reason); each collection answers
-- with at most one ready model (model_id). Feedback on answers is kept so
-- that moderators can turn poor answers into annotation work.
CREATE TABLE qa_models (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('training', 'ready', 'failed')),
    campaign_id     INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
    release_id      INTEGER REFERENCES releases (id) ON DELETE SET NULL,
    release_version TEXT NOT NULL DEFAULT '',
    blob_key        TEXT NOT NULL DEFAULT '',
    size            INTEGER NOT NULL DEFAULT 0,
    metrics         TEXT NOT NULL DEFAULT '{}',
    curve           TEXT NOT NULL DEFAULT '[]',
    error           TEXT NOT NULL DEFAULT '',
    job_id          INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    trained_at      DATETIME,
    CHECK (status <> 'ready' OR blob_key <> '')
);
CREATE INDEX qa_models_blob_idx ON qa_models (blob_key);

CREATE TABLE qa_collections (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    public        BOOLEAN NOT NULL DEFAULT FALSE,
    source        TEXT NOT NULL CHECK (source IN ('campaign', 'upload')),
    campaign_id   INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
    status        TEXT NOT NULL CHECK (status IN ('building', 'ready', 'failed')),
    passages      INTEGER NOT NULL DEFAULT 0,
    documents     INTEGER NOT NULL DEFAULT 0,
    index_version INTEGER NOT NULL DEFAULT 0,
    fingerprint   TEXT NOT NULL DEFAULT '',
    model_id      INTEGER REFERENCES qa_models (id) ON DELETE SET NULL,
    error         TEXT NOT NULL DEFAULT '',
    job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE qa_passages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL REFERENCES qa_collections (id) ON DELETE CASCADE,
    passage_key   TEXT NOT NULL,
    document_key  TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    source_url    TEXT NOT NULL DEFAULT '',
    text          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    UNIQUE (collection_id, passage_key)
);
CREATE INDEX qa_passages_order_idx ON qa_passages (collection_id, position);

CREATE TABLE qa_feedback (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL REFERENCES qa_collections (id) ON DELETE CASCADE,
    model_id      INTEGER REFERENCES qa_models (id) ON DELETE SET NULL,
    question      TEXT NOT NULL,
    answer        TEXT NOT NULL DEFAULT '',
    passage_key   TEXT NOT NULL DEFAULT '',
    useful        BOOLEAN NOT NULL,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    task_campaign_id INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX qa_feedback_review_idx ON qa_feedback (collection_id, useful, created_at);

-- +goose Down
DROP TABLE qa_feedback;
DROP TABLE qa_passages;
DROP TABLE qa_collections;
DROP TABLE qa_models;
