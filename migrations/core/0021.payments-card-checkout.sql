-- depends: 0020.payments-release-refunds
-- Card payments through Selcom's hosted checkout page (docs/payments.md, "Paying by card"): the
-- payer is sent to the page and Nexgate never sees the card, so such a payment has no method and
-- no number of ours, only the page's address.
ALTER TABLE payments ALTER COLUMN method_id DROP NOT NULL;
ALTER TABLE payments ALTER COLUMN msisdn DROP NOT NULL;
ALTER TABLE payments ADD COLUMN channel text NOT NULL DEFAULT 'mobile_money'
    CHECK (channel IN ('mobile_money', 'card_checkout'));
ALTER TABLE payments ADD COLUMN checkout_url text CHECK (checkout_url ~ '^https?://');
ALTER TABLE payments ADD CONSTRAINT payments_channel_fields CHECK (CASE channel
    WHEN 'mobile_money' THEN method_id IS NOT NULL AND msisdn IS NOT NULL AND checkout_url IS NULL
    ELSE method_id IS NULL AND msisdn IS NULL AND provider = 'selcom' END);
