-- +goose Up
-- Free paragraphs are handed out by document, then paragraph: an index in
-- that order is the only one that gives it, so the planner cannot prefer
-- the primary key. With statistics taken at import time (every paragraph
-- free) it did, and walked every paragraph already done at the head of the
-- campaign, thousands of rows per task a minute into a busy campaign.
DROP INDEX paragraphs_free_idx;
CREATE INDEX paragraphs_free_idx ON paragraphs (campaign_id, document_id, id) WHERE status = 'open' AND lease_user_id IS NULL;

-- +goose Down
DROP INDEX paragraphs_free_idx;
CREATE INDEX paragraphs_free_idx ON paragraphs (campaign_id, id) WHERE status = 'open' AND lease_user_id IS NULL;
