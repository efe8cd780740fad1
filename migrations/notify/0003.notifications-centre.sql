-- depends: 0002.notifications-sms
-- The in-app notification centre (docs/notifications.md). One row per notification a
-- recipient sees; a grouped type (new followers) keeps one row per group and window, with the
-- latest actors (up to 100, latest first, each with the name shown) and the exact number of
-- distinct actors (notification_actors). Recipients and actors are core users' ids: this
-- database has no foreign keys to them, it learns of them from events.
CREATE TABLE notifications (
    id            uuid        PRIMARY KEY,
    recipient_id  uuid        NOT NULL,
    type          text        NOT NULL,
    category      text        NOT NULL CHECK (category IN ('social', 'messages', 'commerce', 'events', 'payments',
                                                           'security')),
    object_type   text,
    object_id     uuid,
    group_key     text,
    actors        jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(actors) = 'array'
                                                           AND jsonb_array_length(actors) <= 100),
    actor_count   integer     NOT NULL DEFAULT 0 CHECK (actor_count >= jsonb_array_length(actors)),
    params        jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
    link          text        NOT NULL,
    read_at       timestamptz,
    deleted_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((object_type IS NULL) = (object_id IS NULL))
);
-- The centre lists a recipient's notifications newest first (by updated_at: a group that
-- gains an actor comes back to the top); the unread count reads the partial index.
CREATE INDEX notifications_recipient_recent ON notifications (recipient_id, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX notifications_recipient_unread ON notifications (recipient_id, category)
    WHERE deleted_at IS NULL AND read_at IS NULL;

-- The open group of each recipient and grouping key: the notification that the same type on
-- the same object joins until open_until (the first event's time plus the type's window).
-- Its row lock serialises concurrent events of one group, so the count stays exact.
CREATE TABLE notification_groups (
    recipient_id     uuid        NOT NULL,
    group_key        text        NOT NULL,
    notification_id  uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    open_until       timestamptz NOT NULL,
    PRIMARY KEY (recipient_id, group_key)
);

-- Every distinct actor of a notification: the exact actor_count, however many there are.
CREATE TABLE notification_actors (
    notification_id  uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    actor_id         uuid        NOT NULL,
    acted_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, actor_id)
);
