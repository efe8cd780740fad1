-- name: product_sellers(ids)
-- Who sells each of some products (their shop's owner) and the product's name: what another
-- area tells a seller of (a like of a post featuring their product).
SELECT p.id AS product_id, p.name AS product_name, s.owner_id AS seller_id
  FROM products p JOIN shops s ON s.id = p.shop_id
 WHERE p.id = ANY(:ids::uuid[]);
