-- Push subscriptions and push deliveries (nexgate/domain/notifications/push.py).

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
SELECT id, notification_id, told_id, recipient_id, channel, subscription_id, device_id, status, attempts, reason,
       next_attempt_at
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
 WHERE id = :id;

-- name: withdraw_delivery(id, reason)!
-- Not attempted again: its subscription or its notification is gone.
UPDATE notification_deliveries SET status = 'failed', reason = :reason, next_attempt_at = NULL,
       updated_at = clock_timestamp()
 WHERE id = :id;

-- name: deliveries_of(notification_id)
SELECT id, channel, device_id, status, attempts, reason, next_attempt_at, created_at, updated_at, sent_at
  FROM notification_deliveries WHERE notification_id = :notification_id ORDER BY created_at, id;
