DROP TABLE notification_deliveries;
DROP TABLE push_subscriptions;
