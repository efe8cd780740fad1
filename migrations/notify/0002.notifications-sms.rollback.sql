DROP TABLE sms_deliveries;
