-- depends: 0001.platform-email
-- Every SMS the platform sent: to whom, of which kind, for which event, and what the gateway
-- answered (its message id, status and cost). The text is not kept: it may hold a one-time
-- code. The cost is the gateway's exact decimal (it bills in 1/10000 of a unit), with its
-- ISO 4217 currency; both are null if the gateway named none.
CREATE TABLE sms_deliveries (
    id             uuid PRIMARY KEY,
    event_id       uuid          NOT NULL UNIQUE,
    recipient      text          NOT NULL,
    kind           text          NOT NULL,
    provider       text          NOT NULL,
    message_id     text          NOT NULL,
    status         text          NOT NULL,
    cost_currency  text          CHECK (cost_currency ~ '^[A-Z]{3}$'),
    cost_amount    numeric(18,4) CHECK (cost_amount >= 0),
    sent_at        timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX sms_deliveries_recipient ON sms_deliveries (recipient, sent_at DESC);
