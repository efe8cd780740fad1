DROP TABLE sms_delivery_reports;
ALTER TABLE notification_deliveries DROP COLUMN delivered_at;
DELETE FROM notification_deliveries WHERE summary_id IS NOT NULL;
ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_of_one, DROP COLUMN summary_id,
    ALTER COLUMN notification_id SET NOT NULL;
DROP TABLE push_summaries;
DROP TABLE push_holds;
