DROP FUNCTION commerce_search_products;
DROP INDEX product_search_rating;
DROP INDEX product_search_price_down;
DROP INDEX product_search_price_up;
DROP TRIGGER product_search_dictionary_add ON product_search;
DROP FUNCTION commerce_search_dictionary_add;
DROP TABLE product_search_dictionary;
CREATE INDEX product_search_words ON product_search USING gin (words gin_trgm_ops) WHERE listed;
