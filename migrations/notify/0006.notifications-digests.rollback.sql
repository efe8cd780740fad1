DROP TABLE notification_digests;
DROP TABLE notification_digest_schedules;
DROP INDEX notifications_digest_waiting;
ALTER TABLE notifications DROP CONSTRAINT notifications_digested_once, DROP COLUMN digested_at, DROP COLUMN digest;
