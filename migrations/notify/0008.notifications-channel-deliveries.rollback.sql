DELETE FROM notification_deliveries WHERE channel IN ('email', 'sms');
DROP INDEX notification_deliveries_message;
DROP INDEX notification_deliveries_told_channel;
ALTER TABLE notification_deliveries
    DROP CONSTRAINT notification_deliveries_device_check,
    DROP COLUMN message_id,
    ALTER COLUMN device_id SET NOT NULL,
    DROP CONSTRAINT notification_deliveries_channel_check,
    ADD CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('webpush', 'fcm'));
