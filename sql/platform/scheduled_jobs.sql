-- name: insert_job(id, routing_key, payload, run_at)!
INSERT INTO scheduled_jobs (id, routing_key, payload, run_at) VALUES (:id, :routing_key, :payload, :run_at);

-- name: put_job(id, routing_key, payload, run_at)!
-- A job of that id, fired or not, made anew: it fires (again) at run_at with this payload.
INSERT INTO scheduled_jobs (id, routing_key, payload, run_at) VALUES (:id, :routing_key, :payload, :run_at)
    ON CONFLICT (id) DO UPDATE
   SET routing_key = EXCLUDED.routing_key, payload = EXCLUDED.payload, run_at = EXCLUDED.run_at, created_at = now(),
       fired_at = NULL, event_id = NULL, error = NULL;

-- name: delete_unfired_job(id)$
DELETE FROM scheduled_jobs WHERE id = :id AND fired_at IS NULL RETURNING true;

-- name: lock_due_jobs(batch_size)
SELECT id, routing_key, payload FROM scheduled_jobs
 WHERE fired_at IS NULL AND run_at <= now()
 ORDER BY run_at, id
 LIMIT :batch_size
   FOR UPDATE SKIP LOCKED;

-- name: mark_fired(id, event_id)!
UPDATE scheduled_jobs SET fired_at = now(), event_id = :event_id WHERE id = :id;

-- name: mark_failed(id, error)!
UPDATE scheduled_jobs SET fired_at = now(), error = :error WHERE id = :id;

-- name: job(id)^
SELECT id, routing_key, payload, run_at, fired_at, event_id, error FROM scheduled_jobs WHERE id = :id;
