-- The transactional outbox: events written with the change that caused them,
-- published to RabbitMQ by the relay (nexgate/bus/relay.py).
CREATE TABLE outbox (
    id           uuid PRIMARY KEY,
    routing_key  text        NOT NULL CHECK (routing_key ~ '^[a-z0-9_]+(\.[a-z0-9_]+){2,}$'),
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text
);
CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL;

-- Event ids each consumer group has handled, so a redelivered event is handled once.
CREATE TABLE processed_events (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
