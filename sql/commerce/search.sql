-- Product and shop search (docs/commerce.md, "Search"). Products are read from product_search
-- (migration 0025), which the database keeps in step with the products, their variants, shops
-- and categories. Every sort is one key: k1 then k2 then the product's id, all descending
-- (price_asc sorts on -price), so one keyset pages them all.

-- name: search_products(q, fuzzy, sort, hidden_owner_ids, category_ids, shop_id, condition, currency, min_price, max_price, in_stock, region, city, after_k1, after_k2, after_id, limit, rank_window)
-- A page of the listed products that hold every word of q (each as a prefix: "simu sams" finds
-- "Simu ya Samsung"; a misspelt word, when fuzzy, as the most alike word products have; q ''
-- for every product) that pass the filters, in the sort's order after the cursor (k1, k2,
-- product_id): commerce_search_products (migration 0030) walks the sort's index.
SELECT * FROM commerce_search_products(
    :q, :fuzzy, :sort, CAST(:hidden_owner_ids AS uuid[]), CAST(:category_ids AS uuid[]), :shop_id, :condition,
    :currency, :min_price, :max_price, :in_stock, :region, :city, :after_k1, :after_k2, :after_id, :limit,
    :rank_window);

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
