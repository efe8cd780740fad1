-- depends: 0004.notifications-preferences
-- Push (docs/notifications.md, "Push"). A subscription is where one device is pushed to: a
-- browser's Web Push endpoint on its push service, with the keys its pushes are encrypted to,
-- or an app's FCM registration token. It belongs to one of the user's auth devices and to the
-- session that registered it: signing that session out (or removing the device) drops it (the
-- auth.session.revoked event). Users, devices and sessions are core ids: no foreign keys to them.
CREATE TABLE push_subscriptions (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    device_id   uuid        NOT NULL,
    session_id  uuid        NOT NULL,
    channel     text        NOT NULL CHECK (channel IN ('webpush', 'fcm')),
    endpoint    text        UNIQUE CHECK (length(endpoint) <= 2048),
    p256dh      text,
    auth        text,
    token       text        UNIQUE CHECK (length(token) <= 4096),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((channel = 'webpush') = (endpoint IS NOT NULL AND p256dh IS NOT NULL AND auth IS NOT NULL)),
    CHECK ((channel = 'fcm') = (token IS NOT NULL)),
    CHECK (endpoint IS NULL OR token IS NULL)
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);

-- One delivery of a notification to one subscription, for one telling of it (the source
-- event's: a grouped notification is told again when someone joins it). queued: an attempt is
-- due (now, or at next_attempt_at after a temporary failure); sent: the push service took it;
-- failed: refused for good (reason), or every attempt failed (the last temporary reason).
CREATE TABLE notification_deliveries (
    id               uuid        PRIMARY KEY,
    notification_id  uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    told_id          uuid        NOT NULL,
    recipient_id     uuid        NOT NULL,
    channel          text        NOT NULL CHECK (channel IN ('webpush', 'fcm')),
    subscription_id  uuid        REFERENCES push_subscriptions (id) ON DELETE SET NULL,
    device_id        uuid        NOT NULL,
    status           text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    reason           text,
    next_attempt_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (told_id, subscription_id),
    CHECK ((status = 'queued') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX notification_deliveries_notification ON notification_deliveries (notification_id, created_at);
