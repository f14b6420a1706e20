-- +goose Up
-- Imports find a campaign's existing document by title and source (to add
-- paragraphs to it instead of duplicating it): without this index each
-- lookup scanned the campaign's documents, and a large import was
-- quadratic (hours for 100 MB).
CREATE INDEX documents_lookup_idx ON documents (campaign_id, title, source_url);

-- +goose Down
DROP INDEX documents_lookup_idx;
