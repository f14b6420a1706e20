-- +goose Up
ALTER TABLE questions ADD COLUMN claimed_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE questions ADD COLUMN claim_expires_at DATETIME;
ALTER TABLE questions ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE questions ADD COLUMN needs_review BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE questions ADD COLUMN is_gold BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE questions ADD COLUMN question_key TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN decided_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE questions ADD COLUMN decided_at DATETIME;
ALTER TABLE questions ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN reason_comment TEXT NOT NULL DEFAULT '';
CREATE INDEX questions_review_idx ON questions (campaign_id, state, needs_review, id);
CREATE INDEX questions_key_idx ON questions (campaign_id, question_key);

-- Agreement (mean leave-one-out F1, French normalisation) between a question's answers.
ALTER TABLE questions ADD COLUMN agreement REAL;

-- The contributor's trust (cached; recomputed after each decision or gold answer).
ALTER TABLE users ADD COLUMN trust REAL NOT NULL DEFAULT 0.5;
ALTER TABLE users ADD COLUMN suspended_at DATETIME;
ALTER TABLE users ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';

-- Share (percent) of a trusted contributor's work still sent to review.
ALTER TABLE campaigns ADD COLUMN review_sample INTEGER NOT NULL DEFAULT 20 CHECK (review_sample BETWEEN 0 AND 100);
-- Share (percent) of answer-mode tasks that are gold questions.
ALTER TABLE campaigns ADD COLUMN gold_rate INTEGER NOT NULL DEFAULT 10 CHECK (gold_rate BETWEEN 0 AND 100);
-- Rejection reasons offered to moderators (JSON array of strings; empty: the defaults).
ALTER TABLE campaigns ADD COLUMN reject_reasons TEXT NOT NULL DEFAULT '[]';

-- Every change to a question or an answer, never an overwrite.
CREATE TABLE revisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    answer_id   INTEGER REFERENCES answers (id) ON DELETE CASCADE,
    actor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    source      TEXT NOT NULL CHECK (source IN ('web', 'moderation', 'import', 'api', 'system')),
    action      TEXT NOT NULL,
    before      TEXT NOT NULL DEFAULT '{}',
    after       TEXT NOT NULL DEFAULT '{}',
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX revisions_question_idx ON revisions (question_id, id);

-- Answers given to gold questions in answer mode, scored against the known answer.
CREATE TABLE gold_results (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    f1          REAL NOT NULL,
    correct     BOOLEAN NOT NULL,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX gold_results_user_idx ON gold_results (user_id);

-- +goose Down
DROP TABLE gold_results;
DROP TABLE revisions;
ALTER TABLE campaigns DROP COLUMN reject_reasons;
ALTER TABLE campaigns DROP COLUMN gold_rate;
ALTER TABLE campaigns DROP COLUMN review_sample;
ALTER TABLE users DROP COLUMN suspended_reason;
ALTER TABLE users DROP COLUMN trust;
ALTER TABLE questions DROP COLUMN agreement;
ALTER TABLE users DROP COLUMN suspended_at;
DROP INDEX questions_key_idx;
DROP INDEX questions_review_idx;
ALTER TABLE questions DROP COLUMN reason_comment;
ALTER TABLE questions DROP COLUMN reason_code;
ALTER TABLE questions DROP COLUMN decided_at;
ALTER TABLE questions DROP COLUMN decided_by;
ALTER TABLE questions DROP COLUMN question_key;
ALTER TABLE questions DROP COLUMN is_gold;
ALTER TABLE questions DROP COLUMN needs_review;
ALTER TABLE questions DROP COLUMN flags;
ALTER TABLE questions DROP COLUMN claim_expires_at;
ALTER TABLE questions DROP COLUMN claimed_by;
