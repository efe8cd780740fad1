-- depends: 0005.notifications-push
-- A notification's email and text message are deliveries too (docs/notifications.md,
-- "Delivery tracking"): one row per telling and channel, queued when the notifications
-- consumer asks for it, sent when the email or SMS worker hands it over (the gateway's
-- message id kept, for its delivery reports), failed with the last reason. They go to the
-- recipient's address or number, not to a device, so they have neither subscription nor device.
ALTER TABLE notification_deliveries
    DROP CONSTRAINT notification_deliveries_channel_check,
    ADD CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('webpush', 'fcm', 'email', 'sms')),
    ALTER COLUMN device_id DROP NOT NULL,
    ADD COLUMN message_id text CHECK (length(message_id) <= 200),
    ADD CONSTRAINT notification_deliveries_device_check CHECK ((channel IN ('webpush', 'fcm')) = (device_id IS NOT NULL));
CREATE UNIQUE INDEX notification_deliveries_told_channel ON notification_deliveries (told_id, channel)
    WHERE channel IN ('email', 'sms');
CREATE INDEX notification_deliveries_message ON notification_deliveries (channel, message_id)
    WHERE message_id IS NOT NULL;
