-- name: insert_event(id, routing_key, payload)!
-- No NOTIFY: a transaction that notifies holds a cluster-wide lock through its commit, which
-- would queue every commit that writes an event behind the others. The relay polls instead.
INSERT INTO outbox (id, routing_key, payload) VALUES (:id, :routing_key, :payload);

-- name: insert_events(ids, routing_keys, payloads)!
INSERT INTO outbox (id, routing_key, payload)
SELECT * FROM unnest(:ids::uuid[], :routing_keys::text[], :payloads::jsonb[]);

-- name: lock_unpublished(batch_size)
SELECT id, routing_key, payload, created_at
  FROM outbox
 WHERE published_at IS NULL
 ORDER BY created_at, id
 LIMIT :batch_size
   FOR UPDATE SKIP LOCKED;

-- name: mark_published(ids)!
UPDATE outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY(:ids);

-- name: record_publish_failure(id, error)!
UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = :id;

-- name: count_unpublished()$
SELECT count(*) FROM outbox WHERE published_at IS NULL;
