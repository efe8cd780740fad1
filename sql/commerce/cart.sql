-- The buyer's cart (docs/commerce.md, "Cart"); every query names its columns.

-- name: lock_cart_of_user(user_id)$
-- Every change to a user's cart, and every checkout from it, holds this lock for its transaction,
-- so that an add and a checkout at once see each other's result.
SELECT pg_advisory_xact_lock(hashtextextended('commerce.cart:' || CAST(:user_id AS uuid)::text, 0)) IS NOT NULL;

-- name: cart_items_of_user(user_id)
-- The cart's lines, oldest first, each with its variant, product and shop as they are now.
SELECT c.variant_id, c.quantity, c.seen_price, c.added_at,
       v.product_id, v.shop_id, v.sku, v.options, v.price, v.stock_on_hand - v.stock_committed AS available,
       v.archived_at IS NOT NULL AS variant_archived,
       p.name AS product_name, p.state AS product_state, p.currency, p.low_stock_threshold,
       s.state AS shop_state, s.owner_id AS seller_id, s.handle AS shop_handle, s.name AS shop_name
  FROM cart_items c
  JOIN product_variants v ON v.id = c.variant_id
  JOIN products p ON p.id = v.product_id
  JOIN shops s ON s.id = v.shop_id
 WHERE c.user_id = :user_id
 ORDER BY c.added_at, c.variant_id;

-- name: count_cart_items(user_id)$
SELECT count(*) FROM cart_items WHERE user_id = :user_id;

-- name: cart_quantity(user_id, variant_id)$
SELECT quantity FROM cart_items WHERE user_id = :user_id AND variant_id = :variant_id;

-- name: put_cart_item(user_id, variant_id, quantity, seen_price)!
INSERT INTO cart_items (user_id, variant_id, quantity, seen_price)
VALUES (:user_id, :variant_id, :quantity, :seen_price)
ON CONFLICT (user_id, variant_id) DO UPDATE
   SET quantity = EXCLUDED.quantity, seen_price = EXCLUDED.seen_price, updated_at = now();

-- name: delete_cart_item(user_id, variant_id)$
DELETE FROM cart_items WHERE user_id = :user_id AND variant_id = :variant_id RETURNING true;

-- name: delete_cart_items(user_id, variant_ids)!
DELETE FROM cart_items WHERE user_id = :user_id AND variant_id = ANY (CAST(:variant_ids AS uuid[]));

-- name: mark_cart_prices_seen(user_id, variant_ids, prices)!
-- The unit prices the buyer was just shown: a later change is told as a change since this read.
UPDATE cart_items c
   SET seen_price = seen.price, updated_at = now()
  FROM unnest(CAST(:variant_ids AS uuid[]), CAST(:prices AS bigint[])) AS seen (variant_id, price)
 WHERE c.user_id = :user_id AND c.variant_id = seen.variant_id AND c.seen_price <> seen.price;

-- name: checkout_variants(variant_ids)
-- Variants as checkout and the cart read them: price, what is available, their product and shop.
SELECT v.id AS variant_id, v.product_id, v.shop_id, v.sku, v.options, v.price,
       v.stock_on_hand - v.stock_committed AS available, v.archived_at IS NOT NULL AS variant_archived,
       p.name AS product_name, p.state AS product_state, p.currency, p.low_stock_threshold,
       s.state AS shop_state, s.owner_id AS seller_id, s.handle AS shop_handle, s.name AS shop_name
  FROM product_variants v
  JOIN products p ON p.id = v.product_id
  JOIN shops s ON s.id = v.shop_id
 WHERE v.id = ANY (CAST(:variant_ids AS uuid[]));
