-- Cards of products and shops that other areas show (a post's embeds): nexgate/domain/commerce/cards.py.

-- name: products_by_ids(ids)
SELECT id, shop_id, category_id, name, description, condition, state, currency, options, low_stock_threshold,
       published_at, suspended_reason, created_at, updated_at
  FROM products WHERE id = ANY(:ids::uuid[]);

-- name: shops_by_ids(ids)
SELECT id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
       currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
       state_changed_at, created_at, updated_at
  FROM shops WHERE id = ANY(:ids::uuid[]);

-- name: shop_ratings(ids)
SELECT shop_id, rating_count, rating_sum, rating_stars FROM shop_ratings WHERE shop_id = ANY(:ids::uuid[]);
