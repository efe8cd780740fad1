-- Push subscriptions and push deliveries (nexgate/domain/notifications/push.py).

-- name: lock_user_subscriptions(user_id)$
-- Registrations of one user one at a time, so that none can take the count past the cap.
SELECT pg_advisory_xact_lock(hashtextextended('notifications.push_subscriptions:' || CAST(:user_id AS uuid)::text, 0))
       IS NOT NULL;

-- name: evict_beyond(user_id, registered_id, cap)$
-- The one just registered stays; of the user's others, those past the newest cap - 1 (by their
-- last registration) are dropped.
WITH evicted AS (
    DELETE FROM push_subscriptions
     WHERE id IN (SELECT id FROM push_subscriptions WHERE user_id = :user_id AND id <> :registered_id
                   ORDER BY updated_at DESC, created_at DESC, id DESC OFFSET :cap - 1)
    RETURNING 1)
SELECT count(*) FROM evicted;

-- name: upsert_webpush(id, user_id, device_id, session_id, endpoint, p256dh, auth)^
-- A browser registering its endpoint again (new keys, or another user signed in on it) takes
-- the one row over: an endpoint pushes to one user.
INSERT INTO push_subscriptions AS s (id, user_id, device_id, session_id, channel, endpoint, p256dh, auth)
VALUES (:id, :user_id, :device_id, :session_id, 'webpush', :endpoint, :p256dh, :auth)
ON CONFLICT (endpoint) DO UPDATE
   SET user_id = EXCLUDED.user_id, device_id = EXCLUDED.device_id, session_id = EXCLUDED.session_id,
       p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, updated_at = now()
RETURNING id, user_id, device_id, session_id, channel, endpoint, p256dh, auth, token, created_at, updated_at,
          xmax = 0 AS created;

-- name: upsert_fcm(id, user_id, device_id, session_id, token)^
-- Likewise an app's registration token: the app's latest word on whose device it is.
INSERT INTO push_subscriptions AS s (id, user_id, device_id, session_id, channel, token)
VALUES (:id, :user_id, :device_id, :session_id, 'fcm', :token)
ON CONFLICT (token) DO UPDATE
   SET user_id = EXCLUDED.user_id, device_id = EXCLUDED.device_id, session_id = EXCLUDED.session_id,
       updated_at = now()
RETURNING id, user_id, device_id, session_id, channel, endpoint, p256dh, auth, token, created_at, updated_at,
          xmax = 0 AS created;

-- name: subscriptions_of(user_id)
SELECT id, user_id, device_id, session_id, channel, endpoint, p256dh, auth, token, created_at, updated_at
  FROM push_subscriptions WHERE user_id = :user_id ORDER BY created_at, id;

-- name: subscription(id)^
SELECT id, user_id, device_id, session_id, channel, endpoint, p256dh, auth, token, created_at, updated_at
  FROM push_subscriptions WHERE id = :id;

-- name: delete_subscription(id, user_id)$
WITH deleted AS (DELETE FROM push_subscriptions WHERE id = :id AND user_id = :user_id RETURNING 1)
SELECT count(*) FROM deleted;

-- name: prune_subscription(id)!
DELETE FROM push_subscriptions WHERE id = :id;

-- name: delete_session_subscriptions(session_ids)$
-- Those of signed-out sessions.
WITH deleted AS (DELETE FROM push_subscriptions WHERE session_id = ANY(:session_ids::uuid[]) RETURNING 1)
SELECT count(*) FROM deleted;

-- name: pushed_notification(id)^
-- The notification as it is now, deleted or not (a push is not sent for a deleted or read one).
SELECT id, recipient_id, type, category, object_type, object_id, actors, actor_count, params, link, read_at,
       created_at, updated_at, deleted_at IS NOT NULL AS deleted
  FROM notifications WHERE id = :id;

-- name: queue_delivery(id, notification_id, told_id, recipient_id, channel, subscription_id, device_id)^
-- Once per telling and subscription, however often the request is delivered.
INSERT INTO notification_deliveries (id, notification_id, told_id, recipient_id, channel, subscription_id, device_id,
                                     next_attempt_at)
VALUES (:id, :notification_id, :told_id, :recipient_id, :channel, :subscription_id, :device_id, now())
ON CONFLICT (told_id, subscription_id) DO NOTHING
RETURNING id, notification_id, subscription_id, status, attempts;

-- name: lock_delivery(id)^
SELECT id, notification_id, summary_id, told_id, recipient_id, channel, subscription_id, device_id, status, attempts,
       reason, next_attempt_at
  FROM notification_deliveries WHERE id = :id FOR UPDATE;

-- name: queue_channel_delivery(id, notification_id, told_id, recipient_id, channel)^
-- A telling's email or text message, once however often the notifications consumer redoes it.
INSERT INTO notification_deliveries (id, notification_id, told_id, recipient_id, channel, next_attempt_at)
VALUES (:id, :notification_id, :told_id, :recipient_id, :channel, now())
ON CONFLICT (told_id, channel) WHERE channel IN ('email', 'sms') DO NOTHING
RETURNING id;

-- name: record_attempt(id, status, reason, next_attempt_at, message_id)!
-- The clock's time, not the transaction's: the push service answered after the delivery was queued.
WITH answered AS (SELECT clock_timestamp() AS at)
UPDATE notification_deliveries
   SET status = :status, reason = :reason, attempts = attempts + 1, next_attempt_at = :next_attempt_at,
       sent_at = CASE WHEN :status = 'sent' THEN answered.at ELSE sent_at END, updated_at = answered.at,
       message_id = coalesce(:message_id, message_id)
  FROM answered
 WHERE id = :id
    OR digest_id = (SELECT digest_id FROM notification_deliveries WHERE id = :id);  -- a digest's move together

-- name: withdraw_delivery(id, reason)!
-- Not attempted again: its subscription or its notification is gone.
UPDATE notification_deliveries SET status = 'failed', reason = :reason, next_attempt_at = NULL,
       updated_at = clock_timestamp()
 WHERE id = :id;

-- name: deliveries_of(notification_id)
-- Its own pushes, email and text, and the pushes of the quiet hours' summaries it was in.
SELECT id, channel, device_id, status, attempts, reason, next_attempt_at, created_at, updated_at, sent_at,
       delivered_at, summary_id
  FROM notification_deliveries
 WHERE notification_id = :notification_id
    OR summary_id IN (SELECT summary_id FROM push_holds WHERE notification_id = :notification_id
                                                          AND summary_id IS NOT NULL)
 ORDER BY created_at, id;

-- Quiet hours: held pushes and their summaries.

-- name: hold_push(told_id, notification_id, recipient_id, until)!
-- Once per telling, however often the notifications consumer is redelivered its event.
INSERT INTO push_holds (told_id, notification_id, recipient_id, until)
VALUES (:told_id, :notification_id, :recipient_id, :until)
ON CONFLICT (told_id) DO NOTHING;

-- name: release_holds(recipient_id, until)
-- Every hold of the recipient due by then, claimed once: a release running at the same time
-- waits on the rows' locks, then finds them released.
UPDATE push_holds SET released_at = clock_timestamp()
 WHERE recipient_id = :recipient_id AND until <= :until AND released_at IS NULL
RETURNING told_id, notification_id;

-- name: unread_notifications(ids)
-- Those still unread and not deleted, the latest first.
SELECT id, recipient_id, type, category, object_type, object_id, actors, actor_count, params, link, read_at,
       created_at, updated_at
  FROM notifications
 WHERE id = ANY(:ids::uuid[]) AND deleted_at IS NULL AND read_at IS NULL
 ORDER BY updated_at DESC, id DESC;

-- name: insert_summary(id, recipient_id, until, notification_ids)^
INSERT INTO push_summaries (id, recipient_id, until, notification_ids)
VALUES (:id, :recipient_id, :until, :notification_ids::uuid[])
RETURNING id, recipient_id, until, notification_ids, created_at;

-- name: mark_summarised(summary_id, told_ids)!
UPDATE push_holds SET summary_id = :summary_id WHERE told_id = ANY(:told_ids::uuid[]);

-- name: summary(id)^
SELECT id, recipient_id, until, notification_ids, created_at FROM push_summaries WHERE id = :id;

-- name: queue_summary_delivery(id, summary_id, recipient_id, channel, subscription_id, device_id)^
-- The summary is its own telling (told_id: its id), once per subscription.
INSERT INTO notification_deliveries (id, summary_id, told_id, recipient_id, channel, subscription_id, device_id,
                                     next_attempt_at)
VALUES (:id, :summary_id, :summary_id, :recipient_id, :channel, :subscription_id, :device_id, now())
ON CONFLICT (told_id, subscription_id) DO NOTHING
RETURNING id, summary_id, subscription_id, status, attempts;
