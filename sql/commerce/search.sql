-- Product and shop search (docs/commerce.md, "Search"). Products are read from product_search
-- (migration 0025), which the database keeps in step with the products, their variants, shops
-- and categories. Every sort is one key: k1 then k2 then the product's id, all descending
-- (price_asc sorts on -price), so one keyset pages them all.

-- name: search_products(tsq, q, fuzzy, sort, hidden_owner_ids, category_ids, shop_id, condition, currency, min_price, max_price, in_stock, region, city, after_k1, after_k2, after_id, limit)
-- Products whose document holds every word of q (each word as a prefix: "simu sams" finds
-- "Simu ya Samsung"), ranked by ts_rank (computed only for that sort); only when none does,
-- those whose words are like q's (pg_trgm's word similarity: misspellings), ranked below any
-- full-text hit would be.
WITH hits AS (
    SELECT s.product_id, s.shop_id, s.category_id, s.condition, s.currency, s.price, s.in_stock, s.rating, s.rating_count, s.listed_at,
           CASE WHEN CAST(:sort AS text) = 'relevance' THEN 1 + ts_rank(s.document, to_tsquery('simple', :tsq))
                ELSE 1 END AS score
      FROM product_search s
     WHERE s.listed AND s.price IS NOT NULL AND s.document @@ to_tsquery('simple', :tsq)
       AND s.owner_id <> ALL (CAST(:hidden_owner_ids AS uuid[]))
       AND (CAST(:category_ids AS uuid[]) IS NULL OR s.category_id = ANY (CAST(:category_ids AS uuid[])))
       AND (CAST(:shop_id AS uuid) IS NULL OR s.shop_id = :shop_id)
       AND (CAST(:condition AS text) IS NULL OR s.condition = :condition)
       AND (CAST(:currency AS text) IS NULL OR s.currency = :currency)
       AND (CAST(:min_price AS bigint) IS NULL OR s.price >= :min_price)
       AND (CAST(:max_price AS bigint) IS NULL OR s.price <= :max_price)
       AND (NOT :in_stock OR s.in_stock)
       AND (CAST(:region AS text) IS NULL OR s.region_key = :region)
       AND (CAST(:city AS text) IS NULL OR s.city_key = :city)
), fuzzy AS (
    SELECT s.product_id, s.shop_id, s.category_id, s.condition, s.currency, s.price, s.in_stock, s.rating, s.rating_count, s.listed_at, word_similarity(lower(:q), s.words) AS score
      FROM product_search s
     WHERE :fuzzy AND NOT EXISTS (SELECT 1 FROM hits)
       AND s.listed AND s.price IS NOT NULL AND lower(:q) <% s.words
       AND s.owner_id <> ALL (CAST(:hidden_owner_ids AS uuid[]))
       AND (CAST(:category_ids AS uuid[]) IS NULL OR s.category_id = ANY (CAST(:category_ids AS uuid[])))
       AND (CAST(:shop_id AS uuid) IS NULL OR s.shop_id = :shop_id)
       AND (CAST(:condition AS text) IS NULL OR s.condition = :condition)
       AND (CAST(:currency AS text) IS NULL OR s.currency = :currency)
       AND (CAST(:min_price AS bigint) IS NULL OR s.price >= :min_price)
       AND (CAST(:max_price AS bigint) IS NULL OR s.price <= :max_price)
       AND (NOT :in_stock OR s.in_stock)
       AND (CAST(:region AS text) IS NULL OR s.region_key = :region)
       AND (CAST(:city AS text) IS NULL OR s.city_key = :city)
), keyed AS (
    SELECT f.*, (CASE CAST(:sort AS text)
                WHEN 'relevance' THEN f.score
                WHEN 'newest' THEN extract(epoch FROM f.listed_at)
                WHEN 'price_asc' THEN -f.price
                WHEN 'price_desc' THEN f.price
                WHEN 'rating' THEN f.rating END)::float8 AS k1,
           (CASE CAST(:sort AS text) WHEN 'rating' THEN f.rating_count ELSE 0 END)::float8 AS k2
      FROM (SELECT * FROM hits UNION ALL SELECT * FROM fuzzy) f
), top AS (
    -- the page's rows first; only they are joined to their products and shops
    SELECT * FROM keyed WHERE (k1, k2, product_id) < (:after_k1, :after_k2, :after_id)
     ORDER BY k1 DESC, k2 DESC, product_id DESC
     LIMIT :limit
)
SELECT t.product_id, p.name, t.shop_id, sh.handle AS shop_handle, sh.name AS shop_name,
       sh.logo_media_id AS shop_logo_media_id, sh.region AS shop_region, sh.city AS shop_city, t.category_id,
       t.condition, t.currency, t.price, t.in_stock, t.rating, t.rating_count, t.listed_at,
       (SELECT media_id FROM product_media WHERE product_id = t.product_id ORDER BY position LIMIT 1) AS image_media_id,
       t.k1, t.k2
  FROM top t
  JOIN products p ON p.id = t.product_id
  JOIN shops sh ON sh.id = t.shop_id
 ORDER BY t.k1 DESC, t.k2 DESC, t.product_id DESC;

-- name: browse_products(sort, hidden_owner_ids, category_ids, shop_id, condition, currency, min_price, max_price, in_stock, region, city, after_k1, after_k2, after_id, limit)
-- The same without words to look for: every listed product the filters keep.
WITH keyed AS (
    SELECT f.*, (CASE CAST(:sort AS text)
                WHEN 'relevance' THEN f.score
                WHEN 'newest' THEN extract(epoch FROM f.listed_at)
                WHEN 'price_asc' THEN -f.price
                WHEN 'price_desc' THEN f.price
                WHEN 'rating' THEN f.rating END)::float8 AS k1,
           (CASE CAST(:sort AS text) WHEN 'rating' THEN f.rating_count ELSE 0 END)::float8 AS k2
      FROM (SELECT s.product_id, s.shop_id, s.category_id, s.condition, s.currency, s.price, s.in_stock, s.rating, s.rating_count, s.listed_at, 0 AS score
              FROM product_search s
             WHERE s.listed AND s.price IS NOT NULL
       AND s.owner_id <> ALL (CAST(:hidden_owner_ids AS uuid[]))
       AND (CAST(:category_ids AS uuid[]) IS NULL OR s.category_id = ANY (CAST(:category_ids AS uuid[])))
       AND (CAST(:shop_id AS uuid) IS NULL OR s.shop_id = :shop_id)
       AND (CAST(:condition AS text) IS NULL OR s.condition = :condition)
       AND (CAST(:currency AS text) IS NULL OR s.currency = :currency)
       AND (CAST(:min_price AS bigint) IS NULL OR s.price >= :min_price)
       AND (CAST(:max_price AS bigint) IS NULL OR s.price <= :max_price)
       AND (NOT :in_stock OR s.in_stock)
       AND (CAST(:region AS text) IS NULL OR s.region_key = :region)
       AND (CAST(:city AS text) IS NULL OR s.city_key = :city)) f
), top AS (
    -- the page's rows first; only they are joined to their products and shops
    SELECT * FROM keyed WHERE (k1, k2, product_id) < (:after_k1, :after_k2, :after_id)
     ORDER BY k1 DESC, k2 DESC, product_id DESC
     LIMIT :limit
)
SELECT t.product_id, p.name, t.shop_id, sh.handle AS shop_handle, sh.name AS shop_name,
       sh.logo_media_id AS shop_logo_media_id, sh.region AS shop_region, sh.city AS shop_city, t.category_id,
       t.condition, t.currency, t.price, t.in_stock, t.rating, t.rating_count, t.listed_at,
       (SELECT media_id FROM product_media WHERE product_id = t.product_id ORDER BY position LIMIT 1) AS image_media_id,
       t.k1, t.k2
  FROM top t
  JOIN products p ON p.id = t.product_id
  JOIN shops sh ON sh.id = t.shop_id
 ORDER BY t.k1 DESC, t.k2 DESC, t.product_id DESC;

-- name: category_subtree(category_id)
-- The category and every category under it.
WITH RECURSIVE tree AS (
    SELECT id FROM product_categories WHERE id = :category_id
    UNION
    SELECT c.id FROM product_categories c JOIN tree t ON c.parent_id = t.id
)
SELECT id FROM tree;

-- name: category_by_slug(slug)$
SELECT id FROM product_categories WHERE slug = lower(:slug);

-- name: search_shops(q, fuzzy, hidden_owner_ids, after_score, after_id, limit)
-- Shops others may see (not suspended, the owner not blocked either way) by handle and name:
-- 3 for the exact handle, 2 a handle prefix, 1 a name prefix, plus the better of the handle's
-- similarity and the name's word similarity (0..1).
WITH scored AS (
    SELECT sh.id, sh.owner_id, sh.handle, sh.name, sh.description, sh.logo_media_id, sh.cover_media_id, sh.region,
           sh.city, sh.phone, sh.email, sh.currency, sh.pickup, sh.pickup_note, sh.delivery,
           sh.delivery_default_fee, sh.return_policy, sh.state, sh.suspended_reason, sh.state_changed_at,
           sh.created_at, sh.updated_at,
           (greatest(similarity(lower(sh.handle), lower(:q)), word_similarity(lower(:q), lower(sh.name)))
            + CASE WHEN lower(sh.handle) = lower(:q) THEN 3
                   WHEN starts_with(lower(sh.handle), lower(:q)) THEN 2
                   WHEN starts_with(lower(sh.name), lower(:q)) THEN 1
                   ELSE 0 END)::float8 AS score
      FROM shops sh
     WHERE sh.state <> 'suspended'
       AND sh.owner_id <> ALL (CAST(:hidden_owner_ids AS uuid[]))
       AND (starts_with(lower(sh.handle), lower(:q)) OR starts_with(lower(sh.name), lower(:q))
            OR (:fuzzy AND (lower(sh.handle) % lower(:q) OR lower(:q) <% lower(sh.name))))
)
SELECT * FROM scored
 WHERE (score, id) < (:after_score, :after_id)
 ORDER BY score DESC, id DESC
 LIMIT :limit;
