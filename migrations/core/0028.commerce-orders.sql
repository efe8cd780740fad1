-- depends: 0024.commerce-catalogue-orders
-- Orders after payment (docs/commerce.md, "Orders"): when each step happened, how a dispute was
-- resolved, and when an order shipped or delivered completes by itself unless disputed (the
-- durable job that does it is a scheduled job of the bus; this is the time it is due, which the
-- job checks, so a job made stale by a later step does nothing).
ALTER TABLE orders
    ADD COLUMN accepted_at      timestamptz,
    ADD COLUMN cancelled_at     timestamptz,
    ADD COLUMN disputed_at      timestamptz,
    ADD COLUMN refunded_at      timestamptz,
    ADD COLUMN auto_complete_at timestamptz,
    -- An operator's decision of a dispute: for the buyer (refunded) or the seller (released).
    ADD COLUMN resolution       text CHECK (resolution IN ('buyer', 'seller')),
    ADD CONSTRAINT orders_resolution_when_disputed CHECK (resolution IS NULL OR disputed_at IS NOT NULL);

-- A shop's orders in one state, newest first (the staff's list filtered by state).
CREATE INDEX orders_of_shop_by_state ON orders (shop_id, state, created_at, id);
