-- The daily and weekly email digests (migration notify/0006; nexgate/domain/notifications/digests.py).

-- name: wait_for_digest(id, recipient_id, digest)^
-- A notification just told waits for the recipient's digest of that kind: the digest's
-- schedule row (made if there was none) is answered, locked until the transaction ends, so a
-- digest going meanwhile waits for this notification to commit and then tells it too.
WITH waiting AS (
    UPDATE notifications SET digest = :digest WHERE id = :id AND digested_at IS NULL
)
INSERT INTO notification_digest_schedules AS s (recipient_id, digest) VALUES (:recipient_id, :digest)
ON CONFLICT (recipient_id, digest) DO UPDATE SET updated_at = s.updated_at
RETURNING due_at, last_due_at;

-- name: schedule_for_update(recipient_id, digest)^
SELECT recipient_id, digest, due_at, last_due_at
  FROM notification_digest_schedules
 WHERE recipient_id = :recipient_id AND digest = :digest
   FOR UPDATE;

-- name: set_due(recipient_id, digest, due_at)!
UPDATE notification_digest_schedules SET due_at = :due_at, updated_at = now()
 WHERE recipient_id = :recipient_id AND digest = :digest;

-- name: digest_taken(recipient_id, digest, due_at)!
-- The digest of due_at has gone (or had nothing to tell): none waits until the next notification for it.
UPDATE notification_digest_schedules SET due_at = NULL, last_due_at = :due_at, updated_at = now()
 WHERE recipient_id = :recipient_id AND digest = :digest;

-- name: take_waiting(recipient_id, digest)
-- Every notification waiting for the recipient's digest of that kind, marked taken up by this
-- one; the caller keeps those still to tell (unread, not deleted, of a category still on it).
UPDATE notifications
   SET digested_at = now()
 WHERE recipient_id = :recipient_id AND digest = :digest AND digested_at IS NULL
RETURNING id, recipient_id, type, category, object_type, object_id, actors, actor_count, params, link, read_at,
          created_at, updated_at, deleted_at;

-- name: drop_waiting(recipient_id, digest, categories)$
-- The notifications of these categories waiting for that digest leave it: their category's
-- choice is no longer that digest (a digest tells what came since its choice was made).
WITH dropped AS (
    UPDATE notifications SET digested_at = now()
     WHERE recipient_id = :recipient_id AND digest = :digest AND digested_at IS NULL
       AND category = ANY(:categories::text[])
    RETURNING 1)
SELECT count(*) FROM dropped;

-- name: record_digest(id, recipient_id, digest, due_at, notification_ids, language)!
-- One per recipient, kind and instant (the table's unique key): a second could only come from
-- a pass that found the notifications taken up already, and that pass tells nothing.
INSERT INTO notification_digests (id, recipient_id, digest, due_at, notification_ids, language)
VALUES (:id, :recipient_id, :digest, :due_at, :notification_ids, :language);

-- name: queue_digest_deliveries(ids, notification_ids, told_ids, recipient_id, digest_id)!
-- The digest's email as a delivery of each notification it tells (queued until the email worker sends it).
INSERT INTO notification_deliveries (id, notification_id, told_id, recipient_id, channel, next_attempt_at, digest_id)
SELECT d.id, d.notification_id, d.told_id, :recipient_id, 'email', now(), :digest_id
  FROM unnest(:ids::uuid[], :notification_ids::uuid[], :told_ids::uuid[]) AS d (id, notification_id, told_id);

-- name: digest_emailed(id, email_event_id)!
UPDATE notification_digests SET email_event_id = :email_event_id WHERE id = :id;

-- name: digests_of(recipient_id)
SELECT id, digest, due_at, notification_ids, language, email_event_id, created_at
  FROM notification_digests
 WHERE recipient_id = :recipient_id
 ORDER BY due_at, digest;
