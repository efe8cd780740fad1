-- Checkouts, the orders they place and their reservations (docs/commerce.md, "Checkout").

-- name: insert_checkout(id, buyer_id, idempotency_key, request_hash, source)^
-- The checkout under its key; no row when the buyer made one with that key already.
INSERT INTO checkouts (id, buyer_id, idempotency_key, request_hash, source)
VALUES (:id, :buyer_id, :idempotency_key, :request_hash, :source)
ON CONFLICT (buyer_id, idempotency_key) DO NOTHING
RETURNING id, buyer_id, idempotency_key, request_hash, source, created_at;

-- name: checkout_by_key(buyer_id, idempotency_key)^
SELECT id, buyer_id, idempotency_key, request_hash, source, created_at
  FROM checkouts WHERE buyer_id = :buyer_id AND idempotency_key = :idempotency_key;

-- name: checkout_order_ids(checkout_id)
SELECT id FROM orders WHERE checkout_id = :checkout_id ORDER BY created_at, id;

