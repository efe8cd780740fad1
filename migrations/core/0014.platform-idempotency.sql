-- depends: 0011.users-relationship-function
-- Idempotency keys (docs/payments.md, "Idempotency"; docs/rest.md): what a route declared
-- idempotent answered to a (user, route, Idempotency-Key), with a fingerprint of the request
-- it answered, so that a retry gets the same answer and a different request under the same
-- key is refused. A row without a status is an attempt still running: it holds the key until
-- locked_until (then a retry may take it over, as from a server that died mid-request). Rows
-- expire 24 hours after the attempt that made them and are swept by later claims.

CREATE TABLE idempotency_keys (
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    route         text        NOT NULL,
    key           text        NOT NULL CHECK (key ~ '^[ -~]{1,255}$'),
    fingerprint   bytea       NOT NULL CHECK (length(fingerprint) = 32),
    attempt_id    uuid        NOT NULL,
    status        smallint    CHECK (status BETWEEN 200 AND 499),
    content_type  text,
    body          bytea,
    locked_until  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, route, key),
    CHECK ((status IS NULL) = (locked_until IS NOT NULL)),
    CHECK ((status IS NULL) = (body IS NULL))
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
