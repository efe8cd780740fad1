-- name: upsert_device(id, user_id, fingerprint, client_device_id, platform, name, user_agent, ip)^
-- is_new: the device was never seen, or its owner had removed it; first_device: the account
-- had no other device before (its registration).
WITH prior AS (
    SELECT removed_at FROM auth_devices WHERE user_id = :user_id AND fingerprint = :fingerprint
)
INSERT INTO auth_devices (id, user_id, fingerprint, client_device_id, platform, name, user_agent, last_ip)
VALUES (:id, :user_id, :fingerprint, :client_device_id, :platform, :name, :user_agent, :ip)
ON CONFLICT (user_id, fingerprint) DO UPDATE
   SET last_seen_at = now(), last_ip = EXCLUDED.last_ip, name = EXCLUDED.name, removed_at = NULL
RETURNING id, NOT EXISTS (SELECT 1 FROM prior WHERE removed_at IS NULL) AS is_new,
          NOT EXISTS (SELECT 1 FROM auth_devices d WHERE d.user_id = :user_id AND d.fingerprint <> :fingerprint)
              AS first_device;

-- name: insert_session(id, user_id, device_id, ip, expires_at)!
INSERT INTO auth_sessions (id, user_id, device_id, last_ip, expires_at)
VALUES (:id, :user_id, :device_id, :ip, :expires_at);

-- name: insert_refresh_token(token_hash, session_id, expires_at)!
INSERT INTO auth_refresh_tokens (token_hash, session_id, expires_at)
VALUES (:token_hash, :session_id, :expires_at);

-- name: use_refresh_token(token_hash)$
UPDATE auth_refresh_tokens SET used_at = now()
 WHERE token_hash = :token_hash AND used_at IS NULL AND expires_at > now()
RETURNING session_id;

-- name: refresh_token(token_hash)^
SELECT session_id, used_at, expires_at FROM auth_refresh_tokens WHERE token_hash = :token_hash;

-- name: lock_live_session(id)^
SELECT id, user_id, device_id FROM auth_sessions
 WHERE id = :id AND revoked_at IS NULL AND expires_at > now()
   FOR UPDATE;

-- name: session_state(id)^
SELECT user_id, device_id, revoked_at, expires_at FROM auth_sessions WHERE id = :id;

-- name: extend_session(id, ip, expires_at)!
UPDATE auth_sessions SET last_seen_at = now(), last_ip = :ip, expires_at = :expires_at WHERE id = :id;

-- name: touch_device(id, ip)!
UPDATE auth_devices SET last_seen_at = now(), last_ip = :ip WHERE id = :id;

-- name: revoke_session(id, reason)
UPDATE auth_sessions SET revoked_at = now(), revoked_reason = :reason
 WHERE id = :id AND revoked_at IS NULL
RETURNING id;

-- name: revoke_user_sessions(user_id, reason)
UPDATE auth_sessions SET revoked_at = now(), revoked_reason = :reason
 WHERE user_id = :user_id AND revoked_at IS NULL
RETURNING id;

-- name: remove_device(id, user_id)$
UPDATE auth_devices SET removed_at = now() WHERE id = :id AND user_id = :user_id AND removed_at IS NULL
RETURNING id;

-- name: revoke_device_sessions(device_id, reason)
UPDATE auth_sessions SET revoked_at = now(), revoked_reason = :reason
 WHERE device_id = :device_id AND revoked_at IS NULL
RETURNING id;

-- name: devices_of_user(user_id)
SELECT d.id, d.platform, d.name, d.user_agent, d.first_seen_at, d.last_seen_at, d.last_ip,
       coalesce(array_agg(s.id ORDER BY s.created_at) FILTER (WHERE s.id IS NOT NULL), '{}') AS session_ids
  FROM auth_devices d
  LEFT JOIN auth_sessions s ON s.device_id = d.id AND s.revoked_at IS NULL AND s.expires_at > now()
 WHERE d.user_id = :user_id AND d.removed_at IS NULL
 GROUP BY d.id
 ORDER BY d.last_seen_at DESC, d.id;
