DROP TABLE email_deliveries;
DROP TABLE processed_events;
