-- name: insert_sms_delivery(id, event_id, recipient, kind, provider, message_id, status, cost_currency, cost_amount)!
INSERT INTO sms_deliveries (id, event_id, recipient, kind, provider, message_id, status, cost_currency, cost_amount)
VALUES (:id, :event_id, :recipient, :kind, :provider, :message_id, :status, :cost_currency, :cost_amount);

-- name: sms_deliveries_to(recipient)
SELECT id, event_id, recipient, kind, provider, message_id, status, cost_currency, cost_amount, sent_at
  FROM sms_deliveries
 WHERE recipient = :recipient
 ORDER BY sent_at DESC, id DESC;

-- Delivery reports (Africa's Talking's): each kept; the notification deliveries they name move
-- forward only (nexgate/domain/notifications/sms.py).

-- name: lock_sms_message(provider, message_id)$
-- A report and the recording of the text it names, one at a time (either may come first).
SELECT pg_advisory_xact_lock(hashtextextended('notifications.sms:' || :provider || ':' || :message_id, 0)) IS NOT NULL;

-- name: insert_sms_report(id, provider, message_id, status, failure_reason, network_code, retry_count)!
INSERT INTO sms_delivery_reports (id, provider, message_id, status, failure_reason, network_code, retry_count)
VALUES (:id, :provider, :message_id, :status, :failure_reason, :network_code, :retry_count);

-- name: sms_reports(provider, message_id)
SELECT status, failure_reason FROM sms_delivery_reports
 WHERE provider = :provider AND message_id = :message_id ORDER BY received_at, id;

-- name: sms_notification_delivery(message_id)^
-- The notification's delivery the gateway's message id names (set when it was sent).
SELECT id, notification_id, status, reason FROM notification_deliveries
 WHERE channel = 'sms' AND message_id = :message_id FOR UPDATE;

-- name: set_sms_delivery_state(id, status, reason)!
UPDATE notification_deliveries
   SET status = :status, reason = :reason, updated_at = clock_timestamp(),
       delivered_at = CASE WHEN :status = 'delivered' THEN clock_timestamp() ELSE delivered_at END
 WHERE id = :id;
