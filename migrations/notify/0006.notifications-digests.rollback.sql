DELETE FROM notification_deliveries WHERE digest_id IS NOT NULL;
DROP INDEX notification_deliveries_digest;
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_digest_check, DROP COLUMN digest_id;
DROP TABLE notification_digests;
DROP TABLE notification_digest_schedules;
DROP INDEX notifications_digest_waiting;
ALTER TABLE notifications DROP CONSTRAINT notifications_digested_once, DROP COLUMN digested_at, DROP COLUMN digest;
