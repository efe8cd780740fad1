-- Idempotency keys (nexgate/idempotency.py).

-- name: claim_idempotency_key(user_id, route, key, fingerprint, attempt_id, lease_s, ttl_s, sweep_batch)^
-- Take the key for this attempt: a new key, an expired one, or one whose running attempt with
-- the same request outlived its lease. No row when it is held: read it with idempotency_key.
-- With it, up to sweep_batch expired rows of other keys are deleted (any another claim is
-- sweeping are skipped).
WITH swept AS (
    DELETE FROM idempotency_keys k
     USING (SELECT user_id, route, key FROM idempotency_keys
             WHERE expires_at <= now() AND (user_id, route, key) <> (:user_id, :route, :key)
             ORDER BY expires_at LIMIT :sweep_batch FOR UPDATE SKIP LOCKED) old
     WHERE (k.user_id, k.route, k.key) = (old.user_id, old.route, old.key)
)
INSERT INTO idempotency_keys AS k (user_id, route, key, fingerprint, attempt_id, locked_until, expires_at)
VALUES (:user_id, :route, :key, :fingerprint, :attempt_id,
        now() + make_interval(secs => :lease_s), now() + make_interval(secs => :ttl_s))
ON CONFLICT (user_id, route, key) DO UPDATE
   SET fingerprint = EXCLUDED.fingerprint, attempt_id = EXCLUDED.attempt_id, status = NULL, content_type = NULL,
       body = NULL, locked_until = EXCLUDED.locked_until, created_at = now(), expires_at = EXCLUDED.expires_at
 WHERE k.expires_at <= now()
    OR (k.status IS NULL AND k.locked_until <= now() AND k.fingerprint = EXCLUDED.fingerprint)
RETURNING attempt_id;

-- name: idempotency_key(user_id, route, key)^
SELECT fingerprint, status, content_type, body, expires_at <= now() AS expired
  FROM idempotency_keys
 WHERE user_id = :user_id AND route = :route AND key = :key;

-- name: finish_idempotent_attempt(user_id, route, key, attempt_id, status, content_type, body)!
UPDATE idempotency_keys
   SET status = :status, content_type = :content_type, body = :body, locked_until = NULL
 WHERE user_id = :user_id AND route = :route AND key = :key AND attempt_id = :attempt_id AND status IS NULL;

-- name: release_idempotency_key(user_id, route, key, attempt_id)!
DELETE FROM idempotency_keys
 WHERE user_id = :user_id AND route = :route AND key = :key AND attempt_id = :attempt_id AND status IS NULL;
