-- depends: 0001.platform-outbox
-- Durable delayed work (nexgate/bus/scheduler.py, docs/bus.md "Scheduled jobs"): an event to
-- emit at a time. The scheduler worker turns each due job into an outbox row in the same
-- transaction that marks it fired, taking jobs with FOR UPDATE SKIP LOCKED, so a job fires
-- once however many schedulers run; the bus then delivers it with its retries and dead letters.
CREATE TABLE scheduled_jobs (
    id           uuid        PRIMARY KEY,
    routing_key  text        NOT NULL CHECK (routing_key ~ '^[a-z0-9_]+(\.[a-z0-9_]+){2,}$'),
    payload      jsonb       NOT NULL,
    run_at       timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    fired_at     timestamptz,
    event_id     uuid,       -- the outbox event it became
    error        text,       -- why it could not become one (its event is no longer declared as it was)
    CHECK ((fired_at IS NULL) = (event_id IS NULL AND error IS NULL))
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (run_at, id) WHERE fired_at IS NULL;
