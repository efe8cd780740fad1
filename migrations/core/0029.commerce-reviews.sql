-- depends: 0028.commerce-orders
-- Commerce reviews (docs/commerce.md, "Reviews"): a buyer's rating (1 to 5), text and photos of
-- a product they bought, once per product per completed order; the shop's one reply. The
-- aggregates are kept exact by the trigger below, in the transaction of every review written,
-- re-rated or deleted: the product's on its search row (product_search.rating_count and
-- rating_sum, with the number of each star), the shop's in shop_ratings.

CREATE TABLE product_reviews (
    id          uuid        PRIMARY KEY,
    order_id    uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id  uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    shop_id     uuid        NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    buyer_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating      smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body        text        CHECK (length(body) BETWEEN 1 AND 2000),
    reply       text        CHECK (length(reply) BETWEEN 1 AND 2000),
    replied_by  uuid        REFERENCES users (id) ON DELETE SET NULL,
    replied_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    edited_at   timestamptz,
    UNIQUE (order_id, product_id),
    CHECK ((reply IS NULL) = (replied_at IS NULL))
);
CREATE INDEX product_reviews_newest ON product_reviews (product_id, created_at, id);
CREATE INDEX product_reviews_by_rating ON product_reviews (product_id, rating, created_at, id);
CREATE INDEX product_reviews_of_shop ON product_reviews (shop_id, created_at, id);
CREATE INDEX product_reviews_of_buyer ON product_reviews (buyer_id);

CREATE TABLE review_media (
    review_id uuid    NOT NULL REFERENCES product_reviews (id) ON DELETE CASCADE,
    position  integer NOT NULL CHECK (position >= 0),
    media_id  uuid    NOT NULL,
    PRIMARY KEY (review_id, position)
);

ALTER TABLE product_search
    ADD COLUMN rating_stars integer[] NOT NULL DEFAULT '{0,0,0,0,0}' CHECK (cardinality(rating_stars) = 5);

CREATE TABLE shop_ratings (
    shop_id      uuid    PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    rating_count integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum   bigint  NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    rating_stars integer[] NOT NULL DEFAULT '{0,0,0,0,0}' CHECK (cardinality(rating_stars) = 5)
);

-- delta: +1 a review counted, -1 one taken back; one UPDATE each, so concurrent reviews add up.
CREATE FUNCTION commerce_rating_add(product uuid, shop uuid, stars smallint, delta integer) RETURNS void
LANGUAGE sql AS $$
    UPDATE product_search
       SET rating_count = rating_count + delta, rating_sum = rating_sum + delta * stars,
           rating_stars[stars] = rating_stars[stars] + delta
     WHERE product_id = product;
    INSERT INTO shop_ratings (shop_id) VALUES (shop) ON CONFLICT (shop_id) DO NOTHING;
    UPDATE shop_ratings
       SET rating_count = rating_count + delta, rating_sum = rating_sum + delta * stars,
           rating_stars[stars] = rating_stars[stars] + delta
     WHERE shop_id = shop;
$$;

CREATE FUNCTION commerce_reviews_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM commerce_rating_add(OLD.product_id, OLD.shop_id, OLD.rating, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM commerce_rating_add(NEW.product_id, NEW.shop_id, NEW.rating, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER product_reviews_count AFTER INSERT OR DELETE ON product_reviews
    FOR EACH ROW EXECUTE FUNCTION commerce_reviews_count();
CREATE TRIGGER product_reviews_recount AFTER UPDATE OF rating ON product_reviews FOR EACH ROW
    WHEN (OLD.rating IS DISTINCT FROM NEW.rating) EXECUTE FUNCTION commerce_reviews_count();
