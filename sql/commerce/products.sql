-- The catalogue: categories, products, their variants, media, price tiers and stock (docs/commerce.md).

-- categories

-- name: categories()
SELECT id, parent_id, slug, name, name_sw, position, created_at FROM product_categories ORDER BY position, slug;

-- name: category_by_id(id)^
SELECT id, parent_id, slug, name, name_sw, position, created_at FROM product_categories WHERE id = :id;

-- name: insert_category(id, parent_id, slug, name, name_sw, position)^
INSERT INTO product_categories (id, parent_id, slug, name, name_sw, position)
VALUES (:id, :parent_id, :slug, :name, :name_sw, :position)
RETURNING id, parent_id, slug, name, name_sw, position, created_at;

-- products

-- name: insert_product(id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold)^
INSERT INTO products (id, shop_id, category_id, name, description, condition, state, currency, options,
                      low_stock_threshold, published_at)
VALUES (:id, :shop_id, :category_id, :name, :description, :condition, :state, :currency, :options,
        :low_stock_threshold, CASE WHEN :state = 'active' THEN now() END)
RETURNING id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
          published_at, suspended_reason, created_at, updated_at;

-- name: product_by_id(id)^
SELECT id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
       published_at, suspended_reason, created_at, updated_at
  FROM products WHERE id = :id;

-- name: lock_product(id)^
-- Every change to a product, its variants, media and tiers holds its row for its transaction.
SELECT id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
       published_at, suspended_reason, created_at, updated_at
  FROM products WHERE id = :id FOR UPDATE;

-- name: product_seen(id, viewer_id)^
-- The product (as product_by_id reads it), its shop (as shops.sql's shop_by_id reads it, each
-- column named "shop.<column>"), the viewer's role on the shop's staff and what lies between
-- the viewer and the shop's owner (the columns of user_relationship, docs/architecture.md
-- "What crosses area lines"), in one read.
SELECT p.id, p.shop_id, p.category_id, p.name, p.description, p.condition, p.state, p.currency, p.options,
       p.low_stock_threshold, p.published_at, p.suspended_reason, p.created_at, p.updated_at,
       s.id AS "shop.id", s.owner_id AS "shop.owner_id", s.handle AS "shop.handle", s.name AS "shop.name",
       s.description AS "shop.description", s.logo_media_id AS "shop.logo_media_id", s.cover_media_id AS
       "shop.cover_media_id", s.region AS "shop.region", s.city AS "shop.city", s.phone AS "shop.phone", s.email AS
       "shop.email", s.currency AS "shop.currency", s.pickup AS "shop.pickup", s.pickup_note AS "shop.pickup_note",
       s.delivery AS "shop.delivery", s.delivery_default_fee AS "shop.delivery_default_fee", s.return_policy AS
       "shop.return_policy", s.state AS "shop.state", s.suspended_reason AS "shop.suspended_reason",
       s.state_changed_at AS "shop.state_changed_at", s.created_at AS "shop.created_at", s.updated_at AS
       "shop.updated_at",
       (SELECT role FROM shop_staff WHERE shop_id = p.shop_id AND user_id = :viewer_id) AS viewer_role,
       (SELECT to_jsonb(r) FROM user_relationship(:viewer_id, s.owner_id) r) AS owner_relationship
  FROM products p JOIN shops s ON s.id = p.shop_id
 WHERE p.id = :id;

-- name: update_product(id, category_id, name, description, condition, options, low_stock_threshold)^
UPDATE products
   SET category_id = :category_id, name = :name, description = :description, condition = :condition,
       options = :options, low_stock_threshold = :low_stock_threshold, updated_at = now()
 WHERE id = :id
RETURNING id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
          published_at, suspended_reason, created_at, updated_at;

-- name: touch_product(id)!
UPDATE products SET updated_at = now() WHERE id = :id;

-- name: set_product_state(id, state)^
UPDATE products
   SET state = :state, updated_at = now(),
       published_at = CASE WHEN :state = 'active' THEN coalesce(published_at, now()) ELSE published_at END
 WHERE id = :id
RETURNING id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
          published_at, suspended_reason, created_at, updated_at;

-- name: suspend_product(id, reason)^
UPDATE products
   SET suspended_from = state, state = 'suspended', suspended_reason = :reason, updated_at = now()
 WHERE id = :id
RETURNING id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
          published_at, suspended_reason, created_at, updated_at;

-- name: reinstate_product(id)^
UPDATE products
   SET state = suspended_from, suspended_from = NULL, suspended_reason = NULL, updated_at = now()
 WHERE id = :id
RETURNING id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
          published_at, suspended_reason, created_at, updated_at;

-- name: products_of_shop_page(shop_id, states, before_at, before_id, limit)
-- The shop's products in those states, newest first.
SELECT id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
       published_at, suspended_reason, created_at, updated_at
  FROM products
 WHERE shop_id = :shop_id AND state = ANY (CAST(:states AS text[])) AND (created_at, id) < (:before_at, :before_id)
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- name: product_media(product_ids)
SELECT product_id, media_id FROM product_media WHERE product_id = ANY (CAST(:product_ids AS uuid[]))
 ORDER BY product_id, position;

-- name: delete_product_media(product_id)!
DELETE FROM product_media WHERE product_id = :product_id;

-- name: insert_product_media(product_id, media_ids)!
INSERT INTO product_media (product_id, media_id, position)
SELECT :product_id, media_id, position - 1 FROM unnest(CAST(:media_ids AS uuid[])) WITH ORDINALITY AS m (media_id, position);

-- variants

-- name: insert_variant(id, product_id, shop_id, sku, options, price, position)^
INSERT INTO product_variants (id, product_id, shop_id, sku, options, price, position)
VALUES (:id, :product_id, :shop_id, :sku, :options, :price, :position)
RETURNING id, product_id, shop_id, sku, options, price, stock_on_hand, stock_committed, position, archived_at,
          created_at, updated_at;

-- name: variants_of_products(product_ids)
-- The variants on sale (not archived), in their order.
SELECT id, product_id, shop_id, sku, options, price, stock_on_hand, stock_committed, position, archived_at,
       created_at, updated_at
  FROM product_variants
 WHERE product_id = ANY (CAST(:product_ids AS uuid[])) AND archived_at IS NULL
 ORDER BY product_id, position, id;

-- name: variants_by_ids(ids)
SELECT id, product_id, shop_id, sku, options, price, stock_on_hand, stock_committed, position, archived_at,
       created_at, updated_at
  FROM product_variants WHERE id = ANY (CAST(:ids AS uuid[])) ORDER BY id;

-- name: update_variant(id, sku, options, price, position)^
UPDATE product_variants SET sku = :sku, options = :options, price = :price, position = :position, updated_at = now()
 WHERE id = :id
RETURNING id, product_id, shop_id, sku, options, price, stock_on_hand, stock_committed, position, archived_at,
          created_at, updated_at;

-- name: archive_variant(id)!
UPDATE product_variants SET archived_at = now(), updated_at = now() WHERE id = :id;

-- name: count_live_variants(product_id)$
SELECT count(*) FROM product_variants WHERE product_id = :product_id AND archived_at IS NULL;

-- name: next_variant_position(product_id)$
SELECT coalesce(max(position) + 1, 0) FROM product_variants WHERE product_id = :product_id;

-- name: variant_media(variant_ids)
SELECT variant_id, media_id FROM variant_media WHERE variant_id = ANY (CAST(:variant_ids AS uuid[]))
 ORDER BY variant_id, position;

-- name: delete_variant_media(variant_id)!
DELETE FROM variant_media WHERE variant_id = :variant_id;

-- name: insert_variant_media(variant_id, media_ids)!
INSERT INTO variant_media (variant_id, media_id, position)
SELECT :variant_id, media_id, position - 1 FROM unnest(CAST(:media_ids AS uuid[])) WITH ORDINALITY AS m (media_id, position);

-- price tiers

-- name: tiers_of_products(product_ids)
SELECT id, product_id, variant_id, min_quantity, max_quantity, unit_price
  FROM product_price_tiers WHERE product_id = ANY (CAST(:product_ids AS uuid[]))
 ORDER BY product_id, variant_id NULLS FIRST, min_quantity;

-- name: tiers_for_variants(variant_ids)
-- The tiers that apply to each variant: its own if it has any, else its product's.
SELECT v.id AS for_variant_id, t.id, t.product_id, t.variant_id, t.min_quantity, t.max_quantity, t.unit_price
  FROM product_variants v
  JOIN product_price_tiers t ON t.product_id = v.product_id
   AND (t.variant_id = v.id
        OR (t.variant_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM product_price_tiers own WHERE own.variant_id = v.id)))
 WHERE v.id = ANY (CAST(:variant_ids AS uuid[]))
 ORDER BY v.id, t.min_quantity;

-- name: delete_tiers(product_id)!
DELETE FROM product_price_tiers WHERE product_id = :product_id;

-- name: insert_tiers(product_id, ids, variant_ids, min_quantities, max_quantities, unit_prices)!
INSERT INTO product_price_tiers (id, product_id, variant_id, min_quantity, max_quantity, unit_price)
SELECT id, :product_id, variant_id, min_quantity, max_quantity, unit_price
  FROM unnest(CAST(:ids AS uuid[]), CAST(:variant_ids AS uuid[]), CAST(:min_quantities AS integer[]),
              CAST(:max_quantities AS integer[]), CAST(:unit_prices AS bigint[]))
       AS t (id, variant_id, min_quantity, max_quantity, unit_price);

-- stock

-- name: move_stock(id, on_hand_delta, committed_delta, reason, note, actor_id, order_id, event_id, routing_key, payload)^
-- One conditional update, with its audit row and its event (checked by bus.pending; the levels
-- are added here): no row (and nothing written) when the move would leave on-hand or committed
-- stock below 0, or more committed than on hand (what a checkout's reservation runs into when
-- too few are left).
WITH moved AS (
    UPDATE product_variants
       SET stock_on_hand = stock_on_hand + :on_hand_delta, stock_committed = stock_committed + :committed_delta,
           updated_at = now()
     WHERE id = :id
       AND stock_on_hand + :on_hand_delta >= 0
       AND stock_committed + :committed_delta >= 0
       AND stock_committed + :committed_delta <= stock_on_hand + :on_hand_delta
    RETURNING id, product_id, shop_id, stock_on_hand, stock_committed,
              (stock_on_hand - :on_hand_delta) - (stock_committed - :committed_delta) AS previous_available
), audit AS (
    INSERT INTO stock_movements (variant_id, on_hand_delta, committed_delta, on_hand_after, committed_after, reason,
                                 note, actor_id, order_id)
    SELECT id, :on_hand_delta, :committed_delta, stock_on_hand, stock_committed, :reason, :note, :actor_id, :order_id
      FROM moved
), event AS (
    INSERT INTO outbox (id, routing_key, payload)
    SELECT :event_id, :routing_key,
           CAST(:payload AS jsonb) || jsonb_build_object(
               'product_id', product_id, 'shop_id', shop_id, 'available', stock_on_hand - stock_committed,
               'previous_available', previous_available, 'on_hand', stock_on_hand)
      FROM moved
)
SELECT * FROM moved;

-- name: movements_page(variant_id, before_id, limit)
-- A variant's stock audit, newest first.
SELECT id, variant_id, on_hand_delta, committed_delta, on_hand_after, committed_after, reason, note, actor_id,
       order_id, created_at
  FROM stock_movements
 WHERE variant_id = :variant_id AND id < :before_id
 ORDER BY id DESC
 LIMIT :limit;

-- name: skus_taken(shop_id, skus, except_id)
-- Which of these SKUs (lower-cased) another variant of the shop has, in any letter case.
SELECT lower(sku) AS sku FROM product_variants
 WHERE shop_id = :shop_id AND lower(sku) = ANY (CAST(:skus AS text[])) AND id IS DISTINCT FROM :except_id;
