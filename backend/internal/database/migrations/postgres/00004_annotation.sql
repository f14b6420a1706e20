-- +goose Up
ALTER TABLE campaigns ADD COLUMN guidelines_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN themes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN target_questions INTEGER NOT NULL DEFAULT 0;
-- Share (percent) of written questions that become test questions, answered
-- again by other contributors in answer mode.
ALTER TABLE campaigns ADD COLUMN test_share INTEGER NOT NULL DEFAULT 20 CHECK (test_share BETWEEN 0 AND 100);

ALTER TABLE users ADD COLUMN tutorial_done_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN leaderboard_opt_out BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN is_system BOOLEAN NOT NULL DEFAULT FALSE;

-- Guidelines are versioned; every annotation records the version it was made under.
CREATE TABLE guideline_versions (
    id          BIGSERIAL PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    markdown    TEXT NOT NULL,
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, version)
);

ALTER TABLE documents ADD COLUMN external_id TEXT NOT NULL DEFAULT '';

ALTER TABLE paragraphs ADD COLUMN status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'reported', 'excluded'));
ALTER TABLE paragraphs ADD COLUMN questions_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE paragraphs ADD COLUMN lease_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE paragraphs ADD COLUMN lease_expires_at TIMESTAMPTZ;
CREATE INDEX paragraphs_tasks_idx ON paragraphs (campaign_id, status, id);

-- Questions written on a paragraph (or imported), each with one original answer.
CREATE TABLE questions (
    id                BIGSERIAL PRIMARY KEY,
    campaign_id       BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    paragraph_id      BIGINT NOT NULL REFERENCES paragraphs (id) ON DELETE CASCADE,
    author_id         BIGINT NOT NULL REFERENCES users (id),
    external_id       TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'submitted',
    source            TEXT NOT NULL DEFAULT 'web' CHECK (source IN ('web', 'import', 'api')),
    guideline_version INTEGER NOT NULL DEFAULT 0,
    is_test           BOOLEAN NOT NULL DEFAULT FALSE,
    answers_count     INTEGER NOT NULL DEFAULT 0,
    lease_user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    lease_expires_at  TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX questions_paragraph_idx ON questions (paragraph_id);
CREATE INDEX questions_author_idx ON questions (author_id);
CREATE INDEX questions_campaign_idx ON questions (campaign_id, state);
CREATE INDEX questions_test_idx ON questions (campaign_id, is_test, answers_count);
CREATE UNIQUE INDEX questions_external_key ON questions (paragraph_id, external_id) WHERE external_id <> '';

-- Answers: one span of the paragraph (offsets in Unicode code points).
CREATE TABLE answers (
    id                BIGSERIAL PRIMARY KEY,
    question_id       BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    author_id         BIGINT NOT NULL REFERENCES users (id),
    start_offset      INTEGER NOT NULL CHECK (start_offset >= 0),
    text              TEXT NOT NULL,
    kind              TEXT NOT NULL DEFAULT 'original' CHECK (kind IN ('original', 'additional')),
    state             TEXT NOT NULL DEFAULT 'submitted',
    guideline_version INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX answers_question_idx ON answers (question_id);
CREATE INDEX answers_author_idx ON answers (author_id);

-- Idempotency of submissions: a retried request returns the first result.
CREATE TABLE submissions (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    kind            TEXT NOT NULL,
    target_id       BIGINT NOT NULL,
    response        TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key)
);

-- Paragraphs a contributor skipped (never offered to them again).
CREATE TABLE paragraph_skips (
    paragraph_id BIGINT NOT NULL REFERENCES paragraphs (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (paragraph_id, user_id)
);

-- Reports of unusable paragraphs, for moderators.
CREATE TABLE paragraph_reports (
    id           BIGSERIAL PRIMARY KEY,
    paragraph_id BIGINT NOT NULL REFERENCES paragraphs (id) ON DELETE CASCADE,
    user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('offensive', 'not_french', 'too_short', 'list_or_table', 'other')),
    comment      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at  TIMESTAMPTZ
);
CREATE INDEX paragraph_reports_open_idx ON paragraph_reports (paragraph_id) WHERE resolved_at IS NULL;

-- +goose Down
DROP TABLE paragraph_reports;
DROP TABLE paragraph_skips;
DROP TABLE submissions;
DROP TABLE answers;
DROP TABLE questions;
DROP INDEX paragraphs_tasks_idx;
ALTER TABLE paragraphs DROP COLUMN lease_expires_at;
ALTER TABLE paragraphs DROP COLUMN lease_user_id;
ALTER TABLE paragraphs DROP COLUMN questions_count;
ALTER TABLE paragraphs DROP COLUMN status;
ALTER TABLE documents DROP COLUMN external_id;
DROP TABLE guideline_versions;
ALTER TABLE users DROP COLUMN is_system;
ALTER TABLE users DROP COLUMN leaderboard_opt_out;
ALTER TABLE users DROP COLUMN tutorial_done_at;
ALTER TABLE campaigns DROP COLUMN test_share;
ALTER TABLE campaigns DROP COLUMN target_questions;
ALTER TABLE campaigns DROP COLUMN themes;
ALTER TABLE campaigns DROP COLUMN guidelines_version;
