-- depends: 0032.events-schema
-- Event search (docs/events.md, "Event pages and search"): PostgreSQL full text ('simple': no
-- stemming, Swahili and English alike) over an event's title, its venue and town, and its
-- description, kept by the database as the row changes; the index covers published events only,
-- which is all search looks at.
ALTER TABLE events ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(title, '')), 'A')
    || setweight(to_tsvector('simple', coalesce(venue_name, '') || ' ' || coalesce(venue_address->>'city', '') || ' '
                                           || coalesce(venue_address->>'region', '')), 'B')
    || setweight(to_tsvector('simple', coalesce(description, '')), 'C')
) STORED;
CREATE INDEX events_search ON events USING gin (search_document) WHERE state = 'published';
-- The location filters compare the address's town, region and country in any letter case.
CREATE INDEX events_city ON events (lower(venue_address->>'city'), starts_at) WHERE state = 'published';
CREATE INDEX events_coordinates ON events (latitude, longitude) WHERE state = 'published' AND latitude IS NOT NULL;
