-- Event search (docs/events.md, "Event pages and search"): published events, soonest first.

-- name: search_events(tsquery, from_at, to_at, city, region, country, near_lat, near_lng, radius_km, category_ids, free_only, max_price, currency, format, hidden_owner_ids, after_at, after_id, limit)
-- Each filter applies when given (NULL: not). An event matches the date range when any of it
-- falls inside (it ends after from_at and starts before to_at). near: within radius_km of the
-- point by the haversine distance, a bounding box first. A price filter looks at public ticket
-- types only.
SELECT e.id, e.organizer_id, e.state, e.title, e.description, e.category_id, e.cover_media_id, e.format, e.time_zone,
       e.venue_name, e.venue_address, e.latitude, e.longitude, e.streaming_url, e.currency, e.steps_done, e.starts_at,
       e.ends_at, e.published_at, e.cancelled_at, e.cancel_reason, e.completed_at, e.settlement, e.settle_after,
       e.created_at, e.updated_at
  FROM events e
 WHERE e.state = 'published'
   AND (CAST(:tsquery AS text) IS NULL OR e.search_document @@ to_tsquery('simple', CAST(:tsquery AS text)))
   AND e.ends_at > CAST(:from_at AS timestamptz)
   AND (CAST(:to_at AS timestamptz) IS NULL OR e.starts_at < CAST(:to_at AS timestamptz))
   AND (CAST(:city AS text) IS NULL OR lower(e.venue_address->>'city') = CAST(:city AS text))
   AND (CAST(:region AS text) IS NULL OR lower(e.venue_address->>'region') = CAST(:region AS text))
   AND (CAST(:country AS text) IS NULL OR e.venue_address->>'country' = CAST(:country AS text))
   AND (CAST(:near_lat AS float8) IS NULL OR (
        e.latitude BETWEEN CAST(:near_lat AS float8) - CAST(:radius_km AS float8) / 111.2
                       AND CAST(:near_lat AS float8) + CAST(:radius_km AS float8) / 111.2
        AND 2 * 6371.0 * asin(sqrt(
              power(sin(radians(e.latitude::float8 - CAST(:near_lat AS float8)) / 2), 2)
              + cos(radians(CAST(:near_lat AS float8))) * cos(radians(e.latitude::float8))
                * power(sin(radians(e.longitude::float8 - CAST(:near_lng AS float8)) / 2), 2)))
            <= CAST(:radius_km AS float8)))
   AND (CAST(:category_ids AS uuid[]) IS NULL OR e.category_id = ANY (CAST(:category_ids AS uuid[])))
   AND (CAST(:currency AS text) IS NULL OR e.currency = CAST(:currency AS text))
   AND (CAST(:format AS text) IS NULL OR e.format = CAST(:format AS text))
   AND (NOT CAST(:free_only AS boolean) OR EXISTS (
        SELECT 1 FROM ticket_types t WHERE t.event_id = e.id AND t.archived_at IS NULL AND t.visibility = 'public'
           AND t.price = 0))
   AND (CAST(:max_price AS bigint) IS NULL OR EXISTS (
        SELECT 1 FROM ticket_types t WHERE t.event_id = e.id AND t.archived_at IS NULL AND t.visibility = 'public'
           AND t.price <= CAST(:max_price AS bigint)))
   AND NOT (e.organizer_id = ANY (CAST(:hidden_owner_ids AS uuid[])))
   AND (e.starts_at, e.id) > (:after_at, :after_id)
 ORDER BY e.starts_at, e.id
 LIMIT :limit;
