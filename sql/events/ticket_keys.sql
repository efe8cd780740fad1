-- The platform's ticket signing keys (domain/events/signing.py, docs/events.md "The ticket format").

-- name: ticket_keys_lock()$
-- One key change at a time across every process (the first key, a rotation, a retirement).
SELECT pg_advisory_xact_lock(hashtext('events.ticket_signing_keys'));

-- name: ticket_key_active()^
SELECT id, state, public_key_pem, private_key_pem, created_at, rotated_at, retired_at
  FROM ticket_signing_keys WHERE state = 'active';

-- name: ticket_key_by_id(id)^
SELECT id, state, public_key_pem, private_key_pem, created_at, rotated_at, retired_at
  FROM ticket_signing_keys WHERE id = :id;

-- name: ticket_keys_all()
-- Every key, newest first.
SELECT id, state, public_key_pem, private_key_pem, created_at, rotated_at, retired_at
  FROM ticket_signing_keys ORDER BY created_at DESC, id DESC;

-- name: ticket_key_insert(id, public_key_pem, private_key_pem)^
INSERT INTO ticket_signing_keys (id, state, public_key_pem, private_key_pem)
VALUES (:id, 'active', :public_key_pem, :private_key_pem)
RETURNING id, state, public_key_pem, private_key_pem, created_at, rotated_at, retired_at;

-- name: ticket_key_rotate_active()!
UPDATE ticket_signing_keys SET state = 'rotated', rotated_at = now() WHERE state = 'active';

-- name: ticket_key_retire(id)^
UPDATE ticket_signing_keys SET state = 'retired', retired_at = now(), rotated_at = coalesce(rotated_at, now())
 WHERE id = :id AND state <> 'retired'
RETURNING id, state, public_key_pem, private_key_pem, created_at, rotated_at, retired_at;
