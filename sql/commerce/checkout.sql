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

-- name: reserved_items(order_id)
-- What an order holds of each variant, in variant id order (the order every stock change takes).
SELECT variant_id, sum(quantity)::integer AS quantity
  FROM order_items WHERE order_id = :order_id GROUP BY variant_id ORDER BY variant_id;
