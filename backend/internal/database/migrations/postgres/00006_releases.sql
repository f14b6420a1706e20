-- +goose Up
-- A release is a frozen, versioned snapshot of a campaign's accepted
-- annotations. Its files live in the blob store, content-addressed; the
-- rows below describe them. 'building' releases are visible to moderators
-- only and vanish if their job fails; 'published' ones never change.
CREATE TABLE releases (
    id           BIGSERIAL PRIMARY KEY,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE RESTRICT,
    version      TEXT NOT NULL,
    title        TEXT NOT NULL,
    changelog    TEXT NOT NULL DEFAULT '',
    license      TEXT NOT NULL,
    visibility   TEXT NOT NULL CHECK (visibility IN ('public', 'restricted')),
    status       TEXT NOT NULL CHECK (status IN ('building', 'draft', 'published')),
    origin       TEXT NOT NULL DEFAULT 'campaign' CHECK (origin IN ('campaign', 'import')),
    seed         BIGINT NOT NULL,
    train_share  INTEGER NOT NULL,
    dev_share    INTEGER NOT NULL,
    test_share   INTEGER NOT NULL,
    limitations  TEXT NOT NULL DEFAULT '',
    counts       TEXT NOT NULL DEFAULT '{}',
    datasheet    TEXT NOT NULL DEFAULT '{}',
    index_key    TEXT NOT NULL DEFAULT '',
    job_id       BIGINT REFERENCES jobs (id) ON DELETE SET NULL,
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    published_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    built_at     TIMESTAMPTZ,
    published_at TIMESTAMPTZ,
    CHECK (train_share >= 0 AND dev_share >= 0 AND test_share >= 0 AND train_share + dev_share + test_share = 100)
);
CREATE UNIQUE INDEX releases_version_key ON releases (campaign_id, version);
CREATE INDEX releases_catalogue_idx ON releases (status, published_at);

CREATE TABLE release_files (
    release_id  BIGINT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    format      TEXT NOT NULL,
    split       TEXT NOT NULL DEFAULT '',
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    row_count   BIGINT NOT NULL,
    gzip_sha256 TEXT NOT NULL DEFAULT '',
    gzip_size   BIGINT NOT NULL DEFAULT 0,
    downloads   BIGINT NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (release_id, name)
);
CREATE INDEX release_files_blob_idx ON release_files (sha256);
CREATE INDEX release_files_gzip_idx ON release_files (gzip_sha256);

-- The split of each released document, fixed the first time it is
-- released so that later versions keep it.
CREATE TABLE document_splits (
    document_id BIGINT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    split       TEXT NOT NULL CHECK (split IN ('train', 'dev', 'test')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX document_splits_campaign_idx ON document_splits (campaign_id);

-- Keys generated once per installation (e.g. for contributor pseudonyms
-- when PIAF_SECRET_KEY is not set in development).
CREATE TABLE instance_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Paragraphs are read in document order by exports and releases.
CREATE INDEX paragraphs_export_idx ON paragraphs (campaign_id, document_id, position, id);

-- +goose Down
DROP INDEX paragraphs_export_idx;
DROP TABLE instance_secrets;
DROP TABLE document_splits;
DROP TABLE release_files;
DROP TABLE releases;
