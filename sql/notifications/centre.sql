-- The in-app notification centre (nexgate/domain/notifications/centre.py).

-- name: claim_group(recipient_id, group_key, notification_id, at, window_s)$
-- The notification a grouped event joins: the group's open one (its row is locked until the
-- transaction ends, so concurrent events of one group queue here), or the new id when the
-- group's window closed before the event happened or there was none.
INSERT INTO notification_groups AS g (recipient_id, group_key, notification_id, open_until)
VALUES (:recipient_id, :group_key, :notification_id, :at::timestamptz + make_interval(secs => :window_s::float8))
ON CONFLICT (recipient_id, group_key) DO UPDATE
   SET notification_id = CASE WHEN g.open_until > :at::timestamptz THEN g.notification_id ELSE EXCLUDED.notification_id END,
       open_until = CASE WHEN g.open_until > :at::timestamptz THEN g.open_until ELSE EXCLUDED.open_until END
RETURNING notification_id;

-- name: insert_notification(id, recipient_id, type, category, object_type, object_id, group_key, actors, actor_count, params, link)^
INSERT INTO notifications (id, recipient_id, type, category, object_type, object_id, group_key, actors, actor_count,
                           params, link)
VALUES (:id, :recipient_id, :type, :category, :object_type, :object_id, :group_key, :actors, :actor_count, :params,
        :link)
RETURNING id, recipient_id, type, category, object_type, object_id, actors, actor_count, params, link, read_at,
          created_at, updated_at;

-- name: insert_actor(notification_id, actor_id, at)$
-- True for an actor new to the notification: the exact count grows by one.
INSERT INTO notification_actors (notification_id, actor_id, acted_at) VALUES (:notification_id, :actor_id, :at)
ON CONFLICT (notification_id, actor_id) DO UPDATE SET acted_at = EXCLUDED.acted_at
RETURNING xmax = 0;

-- name: join_group(id, actor, new_actor, params)^
-- The actor to the front (once), the latest 100 kept, the count exact; unread again.
UPDATE notifications
   SET actors = jsonb_path_query_array(
           jsonb_build_array(:actor::jsonb)
           || COALESCE((SELECT jsonb_agg(a ORDER BY i) FROM jsonb_array_elements(actors) WITH ORDINALITY AS e(a, i)
                         WHERE a->>'id' <> :actor::jsonb->>'id'), '[]'::jsonb),
           '$[0 to 99]'),
       actor_count = actor_count + CASE WHEN :new_actor::boolean THEN 1 ELSE 0 END,
       params = :params, read_at = NULL, updated_at = now()
 WHERE id = :id
RETURNING id, recipient_id, type, category, object_type, object_id, actors, actor_count, params, link, read_at,
          created_at, updated_at;

-- name: notifications_page(recipient_id, before_at, before_id, unread, category, lim)
SELECT id, recipient_id, type, category, object_type, object_id, actors, actor_count, params, link, read_at,
       created_at, updated_at
  FROM notifications
 WHERE recipient_id = :recipient_id AND deleted_at IS NULL
   AND (updated_at, id) < (:before_at::timestamptz, :before_id::uuid)
   AND (NOT :unread::boolean OR read_at IS NULL)
   AND (:category::text IS NULL OR category = :category)
 ORDER BY updated_at DESC, id DESC
 LIMIT :lim;

-- name: notification(id, recipient_id)^
SELECT id, recipient_id, type, category, object_type, object_id, actors, actor_count, params, link, read_at,
       created_at, updated_at
  FROM notifications
 WHERE id = :id AND recipient_id = :recipient_id AND deleted_at IS NULL;

-- name: mark_read(id, recipient_id)^
UPDATE notifications SET read_at = COALESCE(read_at, now())
 WHERE id = :id AND recipient_id = :recipient_id AND deleted_at IS NULL
RETURNING id, recipient_id, type, category, object_type, object_id, actors, actor_count, params, link, read_at,
          created_at, updated_at;

-- name: mark_all_read(recipient_id)$
WITH marked AS (
    UPDATE notifications SET read_at = now()
     WHERE recipient_id = :recipient_id AND deleted_at IS NULL AND read_at IS NULL
    RETURNING 1)
SELECT count(*) FROM marked;

-- name: delete_notification(id, recipient_id)$
-- Soft-deleted; its group closes, so the next event of the type starts a new notification.
WITH deleted AS (
    UPDATE notifications SET deleted_at = now()
     WHERE id = :id AND recipient_id = :recipient_id AND deleted_at IS NULL
    RETURNING id),
closed AS (
    DELETE FROM notification_groups WHERE notification_id IN (SELECT id FROM deleted))
SELECT count(*) FROM deleted;

-- name: unread_count(recipient_id)$
SELECT count(*) FROM notifications WHERE recipient_id = :recipient_id AND deleted_at IS NULL AND read_at IS NULL;
