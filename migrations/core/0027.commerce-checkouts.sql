-- depends: 0024.commerce-catalogue-orders
-- Checkouts (docs/commerce.md, "Checkout"): one row per checkout a buyer made, under the
-- Idempotency-Key the app sent with it and the fingerprint of the request (nexgate/idempotency.py's,
-- the same hash), in the transaction that placed its orders. The platform's idempotency keys
-- answer a retry with the stored answer; this row is the durable second line beneath them: a
-- retry that runs again (its answer could not be stored, the key's lease ran out) finds the
-- checkout already made and answers it instead of placing the orders twice, and the same key
-- with another request is refused.
CREATE TABLE checkouts (
    id              uuid        PRIMARY KEY,
    buyer_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key text        NOT NULL CHECK (idempotency_key ~ '^[ -~]{1,255}$'),
    request_hash    bytea       NOT NULL CHECK (length(request_hash) = 32),
    -- What was bought: the buyer's cart, or the items named in the request (buy now).
    source          text        NOT NULL CHECK (source IN ('cart', 'buy_now')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (buyer_id, idempotency_key)
);
