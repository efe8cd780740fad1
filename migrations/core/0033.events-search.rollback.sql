DROP INDEX IF EXISTS events_coordinates;
DROP INDEX IF EXISTS events_city;
DROP INDEX IF EXISTS events_search;
ALTER TABLE events DROP COLUMN IF EXISTS search_document;
