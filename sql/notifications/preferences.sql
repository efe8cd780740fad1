-- Notification preferences (migration notify/0004; nexgate/domain/notifications/preferences.py).

-- name: preferences(recipient_id)^
SELECT channels, types, time_zone, quiet_start, quiet_end
  FROM notification_preferences
 WHERE recipient_id = :recipient_id;

-- name: ensure_preferences(recipient_id)!
-- A row of defaults to lock, for a recipient who has none yet.
INSERT INTO notification_preferences (recipient_id) VALUES (:recipient_id) ON CONFLICT (recipient_id) DO NOTHING;

-- name: preferences_for_update(recipient_id)^
-- The row a change merges into, locked until the transaction ends: two changes at once from
-- two devices apply one after the other, neither losing the other's fields.
SELECT channels, types, time_zone, quiet_start, quiet_end
  FROM notification_preferences
 WHERE recipient_id = :recipient_id
   FOR UPDATE;

-- name: save_preferences(recipient_id, channels, types, time_zone, quiet_start, quiet_end)!
UPDATE notification_preferences
   SET channels = :channels, types = :types, time_zone = :time_zone, quiet_start = :quiet_start,
       quiet_end = :quiet_end, updated_at = now()
 WHERE recipient_id = :recipient_id;
