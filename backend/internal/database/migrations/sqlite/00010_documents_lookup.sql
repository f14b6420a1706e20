-- +goose Up
-- Imports find a campaign's existing document by title and source (to add
-- paragraphs to it instead of duplicating it): without this index each
-- lookup scanned the campaign's documents, and a large import was
-- quadratic (hours for 100 MB).
CREATE INDEX documents_lookup_idx ON documents (campaign_id, title, source_url);
-- Every task request first looks for the contributor's current lease:
-- without this index it filtered all of the campaign's open paragraphs.
CREATE INDEX paragraphs_lease_idx ON paragraphs (lease_user_id, campaign_id) WHERE lease_user_id IS NOT NULL;
-- Task assignment prefers paragraphs already started: without this index
-- that stage scanned every open paragraph of the campaign whenever none
-- was started and free (the usual case on a large campaign), per request.
CREATE INDEX paragraphs_started_idx ON paragraphs (campaign_id, id) WHERE status = 'open' AND questions_count > 0;

-- +goose Down
DROP INDEX paragraphs_started_idx;
DROP INDEX paragraphs_lease_idx;
DROP INDEX documents_lookup_idx;
