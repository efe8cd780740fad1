-- depends: 0005.notifications-push
-- Quiet hours' summary push, the SMS delivery reports (docs/notifications.md, "Quiet hours",
-- "SMS").
--
-- A push held for the recipient's quiet hours (one per telling, as a delivery is) waits here
-- until they end (`until`); one scheduled job per recipient and end then releases every hold
-- of that recipient due by then, at once (the row locks of the release claim each hold once),
-- and pushes them as one summary (push_summaries) or, when only one of them is still unread,
-- as itself. A summary's deliveries are notification_deliveries rows of the summary instead of
-- a notification.
CREATE TABLE push_holds (
    told_id          uuid        PRIMARY KEY,
    notification_id  uuid        NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    recipient_id     uuid        NOT NULL,
    until            timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    released_at      timestamptz,
    summary_id       uuid,
    CHECK (summary_id IS NULL OR released_at IS NOT NULL)
);
CREATE INDEX push_holds_waiting ON push_holds (recipient_id, until) WHERE released_at IS NULL;
CREATE INDEX push_holds_notification ON push_holds (notification_id);

CREATE TABLE push_summaries (
    id                uuid        PRIMARY KEY,
    recipient_id      uuid        NOT NULL,
    until             timestamptz NOT NULL,
    notification_ids  uuid[]      NOT NULL CHECK (cardinality(notification_ids) >= 2),
    created_at        timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE notification_deliveries
    ALTER COLUMN notification_id DROP NOT NULL,
    ADD COLUMN summary_id uuid REFERENCES push_summaries (id) ON DELETE CASCADE,
    ADD CONSTRAINT notification_deliveries_of_one CHECK ((notification_id IS NULL) <> (summary_id IS NULL));

-- What the SMS gateway reports of a text (Africa's Talking's delivery reports): a notification's
-- SMS delivery (notification_deliveries, channel sms, by its message id) moves on to delivered
-- (delivered_at) or failed. Every report received is kept: one may come before the sms worker
-- has recorded the text it reports on (that recording then applies it).
ALTER TABLE notification_deliveries ADD COLUMN delivered_at timestamptz;

CREATE TABLE sms_delivery_reports (
    id              uuid        PRIMARY KEY,
    provider        text        NOT NULL,
    message_id      text        NOT NULL,
    status          text        NOT NULL,
    failure_reason  text,
    network_code    text,
    retry_count     integer,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_delivery_reports_message ON sms_delivery_reports (provider, message_id, received_at);
