-- depends: 0024.commerce-catalogue-orders
-- Commerce discovery: search and the wishlist.
-- Search (docs/commerce.md, "Search"): one row per product with what a search reads,
-- kept by the triggers below in the transaction of every change to a product, its variants,
-- its shop or its category, so a search never shows what was already changed. The document is
-- PostgreSQL full text ('simple': no stemming, Swahili and English alike) over the product's
-- name (A), its shop's name and handle (B), its category's and parent category's names in
-- English and Swahili (C) and its description (D); `words` is the same minus the description,
-- lower-cased, for pg_trgm's fuzzy matches of misspelt words.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE product_search (
    product_id   uuid        PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    shop_id      uuid        NOT NULL,
    owner_id     uuid        NOT NULL,
    category_id  uuid,
    -- Shown in searches: an active product of an open shop.
    listed       boolean     NOT NULL,
    condition    text        NOT NULL,
    currency     text        NOT NULL,
    -- The lowest price of its variants not archived ("from"); NULL while it has none.
    price        bigint,
    -- Some variant not archived has units available (on hand - committed > 0).
    in_stock     boolean     NOT NULL DEFAULT false,
    -- The shop's region and city, lower-cased with runs of spaces made one.
    region_key   text,
    city_key     text,
    -- Exact review aggregates (the reviews keep them: migration 0029).
    rating_count integer     NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum   bigint      NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    rating       float8      GENERATED ALWAYS AS (CASE WHEN rating_count > 0 THEN rating_sum::float8 / rating_count
                                                       ELSE 0 END) STORED,
    listed_at    timestamptz NOT NULL,
    document     tsvector    NOT NULL,
    words        text        NOT NULL
);
CREATE INDEX product_search_document ON product_search USING gin (document) WHERE listed;
CREATE INDEX product_search_words ON product_search USING gin (words gin_trgm_ops) WHERE listed;
CREATE INDEX product_search_newest ON product_search (listed_at DESC, product_id DESC) WHERE listed;
CREATE INDEX product_search_category ON product_search (category_id) WHERE listed;
CREATE INDEX product_search_of_shop ON product_search (shop_id);

-- Shops by handle and name, fuzzily (exact and prefix matches are ranked first).
CREATE INDEX shops_handle_trgm ON shops USING gin (lower(handle) gin_trgm_ops);
CREATE INDEX shops_name_trgm ON shops USING gin (lower(name) gin_trgm_ops);

-- A buyer's wishlist (docs/commerce.md, "Wishlist"): products saved, each once, optionally one
-- variant of it (the size and colour wanted); its savers hear of a price drop or a return to stock.
CREATE TABLE wishlist_items (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id uuid        REFERENCES product_variants (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, product_id)
);
CREATE INDEX wishlist_items_of_user ON wishlist_items (user_id, created_at, product_id);
CREATE INDEX wishlist_items_of_product ON wishlist_items (product_id, variant_id);

CREATE FUNCTION commerce_search_key(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT nullif(lower(regexp_replace(btrim(value), '\s+', ' ', 'g')), '')
$$;

-- The search rows of these products, written afresh from the products, shops and categories.
CREATE FUNCTION commerce_search_refresh(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO product_search AS s (product_id, shop_id, owner_id, category_id, listed, condition, currency, price,
                                     in_stock, region_key, city_key, listed_at, document, words)
    SELECT p.id, p.shop_id, sh.owner_id, p.category_id, p.state = 'active' AND sh.state = 'open', p.condition,
           p.currency, v.price, coalesce(v.in_stock, false), commerce_search_key(sh.region),
           commerce_search_key(sh.city), coalesce(p.published_at, p.created_at),
           setweight(to_tsvector('simple', p.name), 'A')
           || setweight(to_tsvector('simple', sh.name || ' ' || sh.handle), 'B')
           || setweight(to_tsvector('simple', concat_ws(' ', c.name, c.name_sw, pc.name, pc.name_sw)), 'C')
           || setweight(to_tsvector('simple', coalesce(p.description, '')), 'D'),
           lower(concat_ws(' ', p.name, sh.name, sh.handle, c.name, c.name_sw, pc.name, pc.name_sw))
      FROM products p
      JOIN shops sh ON sh.id = p.shop_id
      LEFT JOIN product_categories c ON c.id = p.category_id
      LEFT JOIN product_categories pc ON pc.id = c.parent_id
      LEFT JOIN LATERAL (
          SELECT min(price) AS price, bool_or(stock_on_hand > stock_committed) AS in_stock
            FROM product_variants WHERE product_id = p.id AND archived_at IS NULL
      ) v ON true
     WHERE p.id = ANY (ids)
    ON CONFLICT (product_id) DO UPDATE
       SET shop_id = excluded.shop_id, owner_id = excluded.owner_id, category_id = excluded.category_id,
           listed = excluded.listed, condition = excluded.condition, currency = excluded.currency,
           price = excluded.price, in_stock = excluded.in_stock, region_key = excluded.region_key,
           city_key = excluded.city_key, listed_at = excluded.listed_at, document = excluded.document,
           words = excluded.words
$$;

-- A variant's change touches only the price and availability (and only when they may change).
CREATE FUNCTION commerce_search_variants(target uuid) RETURNS void LANGUAGE sql AS $$
    UPDATE product_search s
       SET price = v.price, in_stock = coalesce(v.in_stock, false)
      FROM (SELECT min(price) AS price, bool_or(stock_on_hand > stock_committed) AS in_stock
              FROM product_variants WHERE product_id = target AND archived_at IS NULL) v
     WHERE s.product_id = target
       AND (s.price IS DISTINCT FROM v.price OR s.in_stock IS DISTINCT FROM coalesce(v.in_stock, false))
$$;

CREATE FUNCTION commerce_search_on_product() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM commerce_search_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$;
CREATE TRIGGER product_search_product AFTER INSERT OR UPDATE OF shop_id, category_id, name, description, condition,
    state, currency, published_at ON products FOR EACH ROW EXECUTE FUNCTION commerce_search_on_product();

CREATE FUNCTION commerce_search_on_variant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM commerce_search_variants(OLD.product_id);
    ELSE
        PERFORM commerce_search_variants(NEW.product_id);
    END IF;
    RETURN NULL;
END $$;
-- A variant's triggers run at commit (deferred): the search row's lock is taken after every
-- variant lock of the transaction and held only while it commits, so a checkout reserving
-- several variants never waits on a search row while holding a variant another one wants.
CREATE CONSTRAINT TRIGGER product_search_variant_added AFTER INSERT OR DELETE ON product_variants
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commerce_search_on_variant();
-- Stock moves on every checkout: only a change of price, of archiving, or of this variant
-- between available and sold out can change the product's row.
CREATE CONSTRAINT TRIGGER product_search_variant_changed AFTER UPDATE ON product_variants
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.price IS DISTINCT FROM NEW.price OR OLD.archived_at IS DISTINCT FROM NEW.archived_at
          OR (OLD.stock_on_hand > OLD.stock_committed) IS DISTINCT FROM (NEW.stock_on_hand > NEW.stock_committed))
    EXECUTE FUNCTION commerce_search_on_variant();

CREATE FUNCTION commerce_search_on_shop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM commerce_search_refresh(ARRAY(SELECT id FROM products WHERE shop_id = NEW.id));
    RETURN NULL;
END $$;
CREATE TRIGGER product_search_shop AFTER UPDATE ON shops FOR EACH ROW
    WHEN (OLD.handle IS DISTINCT FROM NEW.handle OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.state IS DISTINCT FROM NEW.state OR OLD.region IS DISTINCT FROM NEW.region
          OR OLD.city IS DISTINCT FROM NEW.city OR OLD.owner_id IS DISTINCT FROM NEW.owner_id)
    EXECUTE FUNCTION commerce_search_on_shop();

CREATE FUNCTION commerce_search_on_category() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM commerce_search_refresh(ARRAY(
        SELECT p.id FROM products p JOIN product_categories c ON c.id = p.category_id
         WHERE c.id = NEW.id OR c.parent_id = NEW.id));
    RETURN NULL;
END $$;
CREATE TRIGGER product_search_category AFTER UPDATE ON product_categories FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.name_sw IS DISTINCT FROM NEW.name_sw
          OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION commerce_search_on_category();

DO $$ BEGIN PERFORM commerce_search_refresh(ARRAY(SELECT id FROM products)); END $$;
