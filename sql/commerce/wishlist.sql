-- The wishlist (docs/commerce.md, "Wishlist"): products a buyer saved, and who saved a product
-- when its price drops or it is back in stock.

-- name: lock_wishlist(user_id)$
-- Saving holds this lock for its transaction, so that two saves at once both count against the cap.
SELECT pg_advisory_xact_lock(hashtextextended('commerce.wishlist:' || CAST(:user_id AS uuid)::text, 0)) IS NOT NULL;

-- name: count_items(user_id)$
SELECT count(*) FROM wishlist_items WHERE user_id = :user_id;

-- name: save_item(user_id, product_id, variant_id)^
-- A product saved again keeps when it was first saved; the variant is the one named last.
-- created: it was not saved before.
INSERT INTO wishlist_items AS w (user_id, product_id, variant_id) VALUES (:user_id, :product_id, :variant_id)
ON CONFLICT (user_id, product_id) DO UPDATE SET variant_id = excluded.variant_id
RETURNING w.product_id, w.variant_id, w.created_at, (xmax = 0) AS created;

-- name: delete_item(user_id, product_id)$
DELETE FROM wishlist_items WHERE user_id = :user_id AND product_id = :product_id RETURNING true;

-- name: items_page(user_id, product_id, hidden_owner_ids, before_at, before_id, limit)
-- The saved products the user may still see (not drafts, not of suspended shops, no block
-- either way with the owner; only product_id's, unless it is null), the latest saved first, with what a card shows and whether the
-- saved variant (or else any) has units available.
SELECT w.product_id, w.variant_id, w.created_at AS saved_at, p.name, p.state, s.shop_id,
       sh.handle AS shop_handle, sh.name AS shop_name, sh.logo_media_id AS shop_logo_media_id,
       sh.region AS shop_region, sh.city AS shop_city, s.category_id, s.condition, s.currency, s.price,
       CASE WHEN w.variant_id IS NULL THEN s.in_stock
            ELSE coalesce((SELECT v.stock_on_hand > v.stock_committed AND v.archived_at IS NULL
                             FROM product_variants v WHERE v.id = w.variant_id), false) END AS in_stock,
       (SELECT v.price FROM product_variants v WHERE v.id = w.variant_id) AS variant_price,
       s.rating, s.rating_count, s.listed_at,
       (SELECT media_id FROM product_media WHERE product_id = w.product_id ORDER BY position LIMIT 1) AS image_media_id
  FROM wishlist_items w
  JOIN products p ON p.id = w.product_id
  JOIN product_search s ON s.product_id = w.product_id
  JOIN shops sh ON sh.id = s.shop_id
 WHERE w.user_id = :user_id AND (CAST(:product_id AS uuid) IS NULL OR w.product_id = :product_id)
   AND p.state <> 'draft' AND sh.state <> 'suspended'
   AND s.owner_id <> ALL (CAST(:hidden_owner_ids AS uuid[]))
   AND (w.created_at, w.product_id) < (:before_at, :before_id)
 ORDER BY w.created_at DESC, w.product_id DESC
 LIMIT :limit;

-- name: listed_product(product_id)^
-- The product's name and owner if it is on sale (active, its shop open).
SELECT p.id, p.name, p.currency, s.owner_id, s.shop_id
  FROM products p JOIN product_search s ON s.product_id = p.id
 WHERE p.id = :product_id AND s.listed;

-- name: savers(product_id, variant_id, owner_id, saved_before)
-- Who saved the product (as a whole, or this variant of it) before the change, but for anyone
-- blocked either way with its owner and the owner themself.
SELECT w.user_id
  FROM wishlist_items w
 WHERE w.product_id = :product_id AND (w.variant_id IS NULL OR w.variant_id = :variant_id)
   AND w.user_id <> :owner_id AND w.created_at <= :saved_before
   AND NOT EXISTS (SELECT 1 FROM user_blocks b
                    WHERE (b.blocker_id = w.user_id AND b.blocked_id = :owner_id)
                       OR (b.blocker_id = :owner_id AND b.blocked_id = w.user_id))
 ORDER BY w.user_id;
