-- name: insert_sms_delivery(id, event_id, recipient, kind, provider, message_id, status, cost_currency, cost_amount)!
INSERT INTO sms_deliveries (id, event_id, recipient, kind, provider, message_id, status, cost_currency, cost_amount)
VALUES (:id, :event_id, :recipient, :kind, :provider, :message_id, :status, :cost_currency, :cost_amount);

-- name: sms_deliveries_to(recipient)
SELECT id, event_id, recipient, kind, provider, message_id, status, cost_currency, cost_amount, sent_at
  FROM sms_deliveries
 WHERE recipient = :recipient
 ORDER BY sent_at DESC, id DESC;
