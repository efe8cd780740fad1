DROP TRIGGER product_reviews_recount ON product_reviews;
DROP TRIGGER product_reviews_count ON product_reviews;
DROP FUNCTION commerce_reviews_count();
DROP FUNCTION commerce_rating_add(uuid, uuid, smallint, integer);
DROP TABLE shop_ratings;
ALTER TABLE product_search DROP COLUMN rating_stars;
DROP TABLE review_media;
DROP TABLE product_reviews;
