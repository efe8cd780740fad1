DROP TRIGGER outbox_wakes_relay ON outbox;
DROP FUNCTION outbox_notify_relay();
