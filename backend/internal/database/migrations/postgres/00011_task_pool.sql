-- +goose Up
-- Task assignment looks for a free paragraph in import order. Through the
-- (campaign, status, id) index it visited every leased paragraph at the
-- head of the campaign, one heap read each, per request: with hundreds of
-- contributors at work that scan was most of the database's CPU. Free
-- paragraphs (open, leased by nobody) get their own index, and leases
-- left to expire are found by their expiry.
CREATE INDEX paragraphs_free_idx ON paragraphs (campaign_id, id) WHERE status = 'open' AND lease_user_id IS NULL;
CREATE INDEX paragraphs_expired_idx ON paragraphs (campaign_id, lease_expires_at) WHERE status = 'open' AND lease_user_id IS NOT NULL;
-- "The document of my latest question" (read in a row) walked the whole
-- questions table backwards by id when the planner used the primary key
-- for ORDER BY id DESC LIMIT 1 (a contributor with few questions): an
-- index by author, campaign and id answers it from its last entry.
CREATE INDEX questions_author_campaign_idx ON questions (author_id, campaign_id, id);
DROP INDEX questions_author_idx;

-- +goose Down
CREATE INDEX questions_author_idx ON questions (author_id);
DROP INDEX questions_author_campaign_idx;
DROP INDEX paragraphs_expired_idx;
DROP INDEX paragraphs_free_idx;
