ALTER TABLE payments DROP CONSTRAINT payments_channel_fields;
ALTER TABLE payments DROP COLUMN checkout_url;
ALTER TABLE payments DROP COLUMN channel;
ALTER TABLE payments ALTER COLUMN msisdn SET NOT NULL;
ALTER TABLE payments ALTER COLUMN method_id SET NOT NULL;
