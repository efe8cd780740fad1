-- Reviews (docs/commerce.md, "Reviews"): a buyer's review of a product of a completed order,
-- the shop's reply, the lists and the exact aggregates (migration 0029 keeps them).

-- name: order_line(order_id, product_id)^
-- What a review of the product needs to know of the order: whose it is, its state, and
-- whether the product is one of its items.
SELECT o.id, o.buyer_id, o.seller_id, o.shop_id, o.state,
       EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.product_id = :product_id) AS has_product
  FROM orders o WHERE o.id = :order_id;

-- name: insert_review(id, order_id, product_id, shop_id, buyer_id, rating, body)^
-- NULL: this order's product is reviewed already.
INSERT INTO product_reviews (id, order_id, product_id, shop_id, buyer_id, rating, body)
VALUES (:id, :order_id, :product_id, :shop_id, :buyer_id, :rating, :body)
ON CONFLICT (order_id, product_id) DO NOTHING
RETURNING id;

-- name: lock_review(id)^
SELECT id, order_id, product_id, shop_id, buyer_id, rating, body, reply, replied_by, replied_at, created_at,
       edited_at
  FROM product_reviews WHERE id = :id FOR UPDATE;

-- name: update_review(id, rating, body)!
UPDATE product_reviews SET rating = :rating, body = :body, edited_at = now() WHERE id = :id;

-- name: set_reply(id, reply, replied_by)$
-- NULL: the shop replied already.
UPDATE product_reviews SET reply = :reply, replied_by = :replied_by, replied_at = now()
 WHERE id = :id AND reply IS NULL
RETURNING true;

-- name: replace_media(review_id, media_ids)!
WITH gone AS (DELETE FROM review_media WHERE review_id = :review_id)
INSERT INTO review_media (review_id, position, media_id)
SELECT :review_id, position - 1, media_id
  FROM unnest(CAST(:media_ids AS uuid[])) WITH ORDINALITY AS m (media_id, position);

-- name: reviews_page(product_id, shop_id, review_id, sort, hidden_author_ids, after_k, after_at, after_id, limit)
-- A product's reviews, a shop's (of all its products), or the one review_id names, but for those of authors blocked either
-- way: newest first, or by rating (highest: k = rating; lowest: k = -rating), then newest.
WITH keyed AS (
    SELECT r.*, (CASE CAST(:sort AS text) WHEN 'highest' THEN r.rating WHEN 'lowest' THEN -r.rating
                                          ELSE 0 END)::integer AS k
      FROM product_reviews r
     WHERE (CAST(:product_id AS uuid) IS NULL OR r.product_id = :product_id)
       AND (CAST(:shop_id AS uuid) IS NULL OR r.shop_id = :shop_id)
       AND (CAST(:review_id AS uuid) IS NULL OR r.id = :review_id)
       AND r.buyer_id <> ALL (CAST(:hidden_author_ids AS uuid[]))
)
SELECT k.id, k.order_id, k.product_id, k.shop_id, k.buyer_id, k.rating, k.body, k.reply, k.replied_by,
       k.replied_at, k.created_at, k.edited_at, k.k,
       u.username, u.display_name, u.avatar_media_id, u.verified_at,
       ARRAY(SELECT media_id FROM review_media m WHERE m.review_id = k.id ORDER BY position) AS media_ids
  FROM keyed k JOIN users u ON u.id = k.buyer_id
 WHERE (k.k, k.created_at, k.id) < (:after_k, :after_at, :after_id)
 ORDER BY k.k DESC, k.created_at DESC, k.id DESC
 LIMIT :limit;

-- name: product_rating(product_id)^
SELECT rating_count, rating_sum, rating_stars FROM product_search WHERE product_id = :product_id;

-- name: shop_rating(shop_id)^
SELECT rating_count, rating_sum, rating_stars FROM shop_ratings WHERE shop_id = :shop_id;
