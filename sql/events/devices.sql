-- Hardware scanners and self check-in kiosks (docs/events.md, "Scanners, kiosks and offline check-in").

-- name: scanner_insert(id, event_id, name, gate, key_hash, key_prefix, created_by)^
INSERT INTO event_scanners (id, event_id, name, gate, key_hash, key_prefix, created_by)
VALUES (:id, :event_id, :name, :gate, :key_hash, :key_prefix, :created_by)
RETURNING id, event_id, name, gate, key_prefix, created_by, created_at, last_used_at, revoked_at;

-- name: scanners_of_event(event_id)
SELECT id, event_id, name, gate, key_prefix, created_by, created_at, last_used_at, revoked_at
  FROM event_scanners WHERE event_id = :event_id ORDER BY created_at, id;

-- name: scanner_by_key(key_hash)^
-- A key's scanner, its use noted (at most once a minute, so a busy gate does not rewrite the row per scan).
WITH found AS (
    SELECT id FROM event_scanners WHERE key_hash = :key_hash
), touched AS (
    UPDATE event_scanners SET last_used_at = now()
     WHERE id = (SELECT id FROM found) AND revoked_at IS NULL
       AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
)
SELECT id, event_id, name, gate, key_prefix, created_by, created_at, last_used_at, revoked_at
  FROM event_scanners WHERE id = (SELECT id FROM found);

-- name: scanner_revoke(event_id, id)^
UPDATE event_scanners SET revoked_at = coalesce(revoked_at, now())
 WHERE event_id = :event_id AND id = :id
RETURNING id, event_id, name, gate, key_prefix, created_by, created_at, last_used_at, revoked_at;

-- name: scanner_still_valid(id)$
-- In an admission's transaction: the scanner not revoked (a revocation waits for the scans under way).
SELECT revoked_at IS NULL FROM event_scanners WHERE id = :id FOR SHARE;

-- name: kiosk_insert(id, pairing_code, secret_hash, code_expires_at)^
INSERT INTO kiosks (id, pairing_code, secret_hash, code_expires_at)
VALUES (:id, :pairing_code, :secret_hash, :code_expires_at)
ON CONFLICT (pairing_code) WHERE state = 'pending' DO NOTHING
RETURNING id, pairing_code, state, event_id, day_id, gate, name, paired_by, created_at, code_expires_at, paired_at,
          revoked_at;

-- name: kiosk_forget_expired(code)!
-- A kiosk never paired whose code expired gives its code back (it asks for a new pairing).
DELETE FROM kiosks WHERE pairing_code = :code AND state = 'pending' AND code_expires_at < now();

-- name: kiosk_by_secret(secret_hash)^
SELECT id, pairing_code, state, event_id, day_id, gate, name, paired_by, created_at, code_expires_at, paired_at,
       revoked_at
  FROM kiosks WHERE secret_hash = :secret_hash;

-- name: kiosk_by_id(id)^
SELECT id, pairing_code, state, event_id, day_id, gate, name, paired_by, created_at, code_expires_at, paired_at,
       revoked_at
  FROM kiosks WHERE id = :id;

-- name: kiosk_pair(pairing_code, event_id, day_id, gate, name, paired_by)^
UPDATE kiosks SET state = 'paired', event_id = :event_id, day_id = :day_id, gate = :gate, name = :name,
                  paired_by = :paired_by, paired_at = now()
 WHERE pairing_code = :pairing_code AND state = 'pending' AND code_expires_at >= now()
RETURNING id, pairing_code, state, event_id, day_id, gate, name, paired_by, created_at, code_expires_at, paired_at,
          revoked_at;

-- name: kiosks_of_event(event_id)
SELECT id, pairing_code, state, event_id, day_id, gate, name, paired_by, created_at, code_expires_at, paired_at,
       revoked_at
  FROM kiosks WHERE event_id = :event_id ORDER BY paired_at, id;

-- name: kiosk_revoke(event_id, id)^
UPDATE kiosks SET state = 'revoked', revoked_at = now()
 WHERE event_id = :event_id AND id = :id AND state = 'paired'
RETURNING id, pairing_code, state, event_id, day_id, gate, name, paired_by, created_at, code_expires_at, paired_at,
          revoked_at;

-- name: kiosk_for_scan(id)^
-- In an admission's transaction: the kiosk's pairing, locked against a revocation until the scan commits.
SELECT id, pairing_code, state, event_id, day_id, gate, name, paired_by, created_at, code_expires_at, paired_at,
       revoked_at
  FROM kiosks WHERE id = :id FOR SHARE;

-- name: day_of_event(event_id, day_id)^
SELECT id, number, starts_at, ends_at, starts_at - doors_open AS doors_at
  FROM event_days WHERE event_id = :event_id AND id = :day_id;
