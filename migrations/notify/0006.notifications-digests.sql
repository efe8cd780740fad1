-- depends: 0005.notifications-push
-- The daily and weekly email digests (docs/notifications.md, "Email digests";
-- nexgate/domain/notifications/digests.py). A notification told while its category's email
-- choice is a digest waits for that digest (`digest`); the digest that took it up, sent or
-- not (read meanwhile, or its category no longer on that digest), marks it (`digested_at`),
-- so the next digest tells only what came after.
ALTER TABLE notifications
    ADD COLUMN digest      text CHECK (digest IN ('daily_digest', 'weekly_digest')),
    ADD COLUMN digested_at timestamptz,
    ADD CONSTRAINT notifications_digested_once CHECK (digested_at IS NULL OR digest IS NOT NULL);
CREATE INDEX notifications_digest_waiting ON notifications (recipient_id, digest)
    WHERE digest IS NOT NULL AND digested_at IS NULL;

-- Each recipient's next digest of each kind: `due_at` is the instant of the scheduled job (core
-- scheduled_jobs, one per recipient and kind) that will send it, NULL while none waits (nothing
-- to tell since the last one: the next notification for that digest schedules it). The row's
-- lock orders the digest's sending, a notification joining it and a change of preferences; a
-- job whose instant is not `due_at` any more (moved or called off meanwhile) sends nothing.
CREATE TABLE notification_digest_schedules (
    recipient_id  uuid        NOT NULL,
    digest        text        NOT NULL CHECK (digest IN ('daily_digest', 'weekly_digest')),
    due_at        timestamptz,
    last_due_at   timestamptz,  -- the last digest's instant: at most one per local day (week)
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recipient_id, digest)
);

-- Every digest that went (or had something to tell but no verified address to go to): one per
-- recipient, kind and instant, whatever runs the job twice.
CREATE TABLE notification_digests (
    id                uuid        PRIMARY KEY,
    recipient_id      uuid        NOT NULL,
    digest            text        NOT NULL CHECK (digest IN ('daily_digest', 'weekly_digest')),
    due_at            timestamptz NOT NULL,
    notification_ids  uuid[]      NOT NULL,
    language          text        NOT NULL,
    email_event_id    uuid,       -- the core outbox's notifications.email.requested; NULL: no verified address
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (recipient_id, digest, due_at)
);

-- A digest's email is a delivery of each notification it tells (notification_deliveries,
-- channel email, one per digest and notification): they share the digest's id and move
-- together, sent or failed as the one email is.
ALTER TABLE notification_deliveries ADD COLUMN digest_id uuid REFERENCES notification_digests (id) ON DELETE CASCADE,
    ADD CONSTRAINT notification_deliveries_digest_check CHECK (digest_id IS NULL OR channel = 'email');
CREATE INDEX notification_deliveries_digest ON notification_deliveries (digest_id) WHERE digest_id IS NOT NULL;
