-- +goose Up
-- Named-entity annotations of a passage (a paragraph of a `ner` campaign),
-- one per annotator: the spans they kept, corrected or added over the
-- model's pre-annotations, which are kept beside them to measure how much
-- annotators correct the model.
CREATE TABLE entity_annotations (
    id                BIGSERIAL PRIMARY KEY,
    campaign_id       BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    paragraph_id      BIGINT NOT NULL REFERENCES paragraphs (id) ON DELETE CASCADE,
    author_id         BIGINT NOT NULL REFERENCES users (id),
    spans             TEXT NOT NULL DEFAULT '[]',
    pre_spans         TEXT NOT NULL DEFAULT '[]',
    pre_model         TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT 'submitted' CHECK (state IN ('submitted', 'accepted', 'rejected', 'needs_changes')),
    source            TEXT NOT NULL DEFAULT 'web' CHECK (source IN ('web', 'import', 'api')),
    guideline_version INTEGER NOT NULL DEFAULT 0,
    idempotency_key   TEXT NOT NULL DEFAULT '',
    decided_by        BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at        TIMESTAMPTZ,
    reason_code       TEXT NOT NULL DEFAULT '',
    reason_comment    TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (paragraph_id, author_id)
);
CREATE INDEX entity_annotations_review_idx ON entity_annotations (campaign_id, state, id);
CREATE INDEX entity_annotations_author_idx ON entity_annotations (author_id);

-- Every change of an entity annotation, never an overwrite.
CREATE TABLE entity_revisions (
    id            BIGSERIAL PRIMARY KEY,
    annotation_id BIGINT NOT NULL REFERENCES entity_annotations (id) ON DELETE CASCADE,
    actor_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    source        TEXT NOT NULL,
    action        TEXT NOT NULL,
    before        TEXT NOT NULL DEFAULT '{}',
    after         TEXT NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX entity_revisions_annotation_idx ON entity_revisions (annotation_id, id);

-- +goose Down
DROP TABLE entity_revisions;
DROP TABLE entity_annotations;
