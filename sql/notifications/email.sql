-- name: insert_email_delivery(id, event_id, recipient, template, subject, message_id)!
INSERT INTO email_deliveries (id, event_id, recipient, template, subject, message_id)
VALUES (:id, :event_id, :recipient, :template, :subject, :message_id);

-- name: email_deliveries_to(recipient)
SELECT id, event_id, recipient, template, subject, message_id, sent_at
  FROM email_deliveries
 WHERE recipient = :recipient
 ORDER BY sent_at DESC, id DESC;
