-- +goose Up
-- People: volunteers, moderators, administrations' agents, admins.
CREATE TABLE users (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    email             TEXT,
    email_verified_at DATETIME,
    display_name      TEXT NOT NULL,
    pseudonym         TEXT NOT NULL,
    role              TEXT NOT NULL DEFAULT 'contributor'
                      CHECK (role IN ('contributor', 'moderator', 'admin', 'consumer')),
    password_hash     TEXT,
    locale            TEXT NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
    created_at        DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_pseudonym_key ON users (lower(pseudonym));

-- Annotation campaigns: a corpus and the work asked of volunteers on it.
CREATE TABLE campaigns (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                    TEXT NOT NULL UNIQUE,
    kind                    TEXT NOT NULL CHECK (kind IN ('qa', 'ner')),
    title                   TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    status                  TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    questions_per_paragraph INTEGER NOT NULL DEFAULT 5 CHECK (questions_per_paragraph BETWEEN 1 AND 50),
    answers_per_question    INTEGER NOT NULL DEFAULT 3 CHECK (answers_per_question BETWEEN 1 AND 20),
    audience                TEXT NOT NULL DEFAULT 'everyone' CHECK (audience IN ('everyone', 'certified')),
    license                 TEXT NOT NULL DEFAULT '',
    created_by              INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at              DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at              DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Source documents (a Wikipedia article, a service-public.fr fiche).
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    source_url  TEXT NOT NULL DEFAULT '',
    license     TEXT NOT NULL DEFAULT '',
    theme       TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX documents_campaign_idx ON documents (campaign_id, position);

-- Paragraphs: the unit of annotation work. content_hash makes re-imports idempotent.
CREATE TABLE paragraphs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL DEFAULT 0,
    text         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (campaign_id, content_hash)
);
CREATE INDEX paragraphs_document_idx ON paragraphs (document_id, position);

-- +goose Down
DROP TABLE paragraphs;
DROP TABLE documents;
DROP TABLE campaigns;
DROP TABLE users;
