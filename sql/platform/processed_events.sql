-- name: claim_event(consumer, event_id)$
INSERT INTO processed_events (consumer, event_id) VALUES (:consumer, :event_id)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: claim_events(consumer, event_ids)
INSERT INTO processed_events (consumer, event_id)
SELECT DISTINCT :consumer::text, unnest(:event_ids::uuid[])
ON CONFLICT DO NOTHING
RETURNING event_id;
