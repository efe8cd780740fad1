-- Event ids each consumer group of the notification service has handled.
CREATE TABLE processed_events (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Every email the platform sent: what, to whom, when, and for which event.
CREATE TABLE email_deliveries (
    id          uuid PRIMARY KEY,
    event_id    uuid        NOT NULL UNIQUE,
    recipient   text        NOT NULL,
    template    text        NOT NULL,
    subject     text        NOT NULL,
    message_id  text        NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_deliveries_recipient ON email_deliveries (recipient, sent_at DESC);
