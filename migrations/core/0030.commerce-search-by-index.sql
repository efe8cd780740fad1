-- depends: 0029.commerce-reviews
-- Product search (docs/commerce.md, "Search") as one function that writes the query of the
-- sort it is asked for: its ORDER BY names the columns of an index and its cursor compares them
-- as a row, so PostgreSQL walks that index and stops at the page's end instead of sorting every
-- match (one common word is a fifth of the products); and it is planned with the values of each
-- call (EXECUTE), so a filter left out costs nothing. Relevance ranks the newest
-- rank_window matches (ts_rank reads each row's document). A misspelt word (one that begins no
-- word any listed product has) is corrected against the dictionary of those words (one row a
-- word, where a trigram match is quick, instead of every product's words), then searched as a
-- word; the dictionary only grows (a word no product holds any more finds nothing).

DROP INDEX product_search_words;  -- the trigram match over every product's words, replaced by the dictionary's
CREATE TABLE product_search_dictionary (word text COLLATE "C" PRIMARY KEY);  -- C: a prefix is a range
CREATE INDEX product_search_dictionary_trgm ON product_search_dictionary USING gin (word gin_trgm_ops);

CREATE FUNCTION commerce_search_dictionary_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.listed AND (TG_OP = 'INSERT' OR NEW.document IS DISTINCT FROM OLD.document OR NOT OLD.listed) THEN
        INSERT INTO product_search_dictionary (word)
        SELECT unnest(tsvector_to_array(NEW.document)) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER product_search_dictionary_add AFTER INSERT OR UPDATE ON product_search
    FOR EACH ROW EXECUTE FUNCTION commerce_search_dictionary_add();
INSERT INTO product_search_dictionary (word)
SELECT DISTINCT unnest(tsvector_to_array(document)) FROM product_search WHERE listed;

CREATE INDEX product_search_price_up ON product_search (price, product_id DESC) WHERE listed;
CREATE INDEX product_search_price_down ON product_search (price DESC, product_id DESC) WHERE listed;
CREATE INDEX product_search_rating ON product_search (rating DESC, rating_count DESC, product_id DESC) WHERE listed;

CREATE FUNCTION commerce_search_products(
    q text, fuzzy boolean, sort text, hidden_owner_ids uuid[], category_ids uuid[], shop uuid,
    wanted_condition text, wanted_currency text, min_price bigint, max_price bigint, only_in_stock boolean,
    region text, city text, after_k1 float8, after_k2 float8, after_id uuid, page integer, rank_window integer)
RETURNS TABLE (product_id uuid, name text, shop_id uuid, shop_handle text, shop_name text, shop_logo_media_id uuid,
               shop_region text, shop_city text, category_id uuid, condition text, currency text, price bigint,
               in_stock boolean, rating float8, rating_count integer, listed_at timestamptz, image_media_id uuid,
               k1 float8, k2 float8)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    -- in the query: $1 the tsquery of q, $2 q, $5 .. $14 the filters, $15 .. $17 the cursor, $18 the page, $19 the window
    kept   text := 's.listed AND s.price IS NOT NULL AND s.owner_id <> ALL ($5)'
        || CASE WHEN category_ids IS NULL THEN '' ELSE ' AND s.category_id = ANY ($6)' END
        || CASE WHEN shop IS NULL THEN '' ELSE ' AND s.shop_id = $7' END
        || CASE WHEN wanted_condition IS NULL THEN '' ELSE ' AND s.condition = $8' END
        || CASE WHEN wanted_currency IS NULL THEN '' ELSE ' AND s.currency = $9' END
        || CASE WHEN min_price IS NULL THEN '' ELSE ' AND s.price >= $10' END
        || CASE WHEN max_price IS NULL THEN '' ELSE ' AND s.price <= $11' END
        || CASE WHEN only_in_stock THEN ' AND s.in_stock' ELSE '' END
        || CASE WHEN region IS NULL THEN '' ELSE ' AND s.region_key = $13' END
        || CASE WHEN city IS NULL THEN '' ELSE ' AND s.city_key = $14' END;
    first  boolean := after_k1 = 'Infinity'::float8;  -- the first page: no cursor to compare
    tsq    text;
    matched text;
    source text;
    score  text := '0::float8';
    rows   text;
BEGIN
    -- The words of q (letters and digits), each to begin a word of the document; a word of three
    -- letters or more (when fuzzy) that begins no word of the dictionary is taken as misspelt and
    -- searched as the most alike word there (when one is alike enough). A q without words finds
    -- nothing; no q lists every product.
    SELECT string_agg(quote_literal(coalesce(corrected, typed)) || ':*', ' & ' ORDER BY n)
      INTO tsq
      FROM regexp_split_to_table(lower(q), '[^[:alnum:]]+') WITH ORDINALITY AS w (typed, n)
      LEFT JOIN LATERAL (
          SELECT d.word AS corrected FROM product_search_dictionary d
           WHERE fuzzy AND length(w.typed) >= 3 AND d.word % w.typed
             AND NOT EXISTS (SELECT 1 FROM product_search_dictionary e
                              WHERE e.word >= w.typed AND e.word < w.typed || chr(1114111))
           ORDER BY similarity(d.word, w.typed) DESC, d.word LIMIT 1) c ON true
     WHERE w.typed <> '';
    matched := CASE WHEN tsq IS NOT NULL THEN ' AND s.document @@ to_tsquery(''simple'', $1)'
                    WHEN q <> '' THEN ' AND false' ELSE '' END;
    IF tsq IS NOT NULL THEN
        score := '(1 + ts_rank(s.document, to_tsquery(''simple'', $1)))::float8';
    END IF;
    kept := 'product_search s WHERE ' || kept || matched;
    source := 'SELECT s.*, {k1} AS k1, {k2} AS k2 FROM ' || kept;
    rows := CASE sort
        WHEN 'newest' THEN replace(replace(source, '{k1}', 'extract(epoch FROM s.listed_at)::float8'), '{k2}', '0::float8')
            || CASE WHEN first THEN '' ELSE ' AND (s.listed_at, s.product_id) < (to_timestamp($15), $17)' END
            || ' ORDER BY s.listed_at DESC, s.product_id DESC LIMIT $18'
        WHEN 'price_desc' THEN replace(replace(source, '{k1}', 's.price::float8'), '{k2}', '0::float8')
            || CASE WHEN first THEN '' ELSE ' AND (s.price, s.product_id) < ($15::bigint, $17)' END
            || ' ORDER BY s.price DESC, s.product_id DESC LIMIT $18'
        WHEN 'price_asc' THEN replace(replace(source, '{k1}', '(-s.price)::float8'), '{k2}', '0::float8')
            || CASE WHEN first THEN ''
                    ELSE ' AND s.price >= (-$15)::bigint AND (s.price > (-$15)::bigint OR s.product_id < $17)' END
            || ' ORDER BY s.price, s.product_id DESC LIMIT $18'
        WHEN 'rating' THEN replace(replace(source, '{k1}', 's.rating'), '{k2}', 's.rating_count::float8')
            || CASE WHEN first THEN ''
                    ELSE ' AND (s.rating, s.rating_count, s.product_id) < ($15, $16::integer, $17)' END
            || ' ORDER BY s.rating DESC, s.rating_count DESC, s.product_id DESC LIMIT $18'
        WHEN 'relevance' THEN
            'SELECT * FROM (SELECT w.*, ' || replace(score, 's.', 'w.') || ' AS k1, 0::float8 AS k2 FROM ('
            || 'SELECT s.* FROM ' || kept
            || ' ORDER BY s.listed_at DESC, s.product_id DESC LIMIT $19) w) r'
            || ' WHERE (r.k1, r.k2, r.product_id) < ($15, $16, $17)'
            || ' ORDER BY r.k1 DESC, r.k2 DESC, r.product_id DESC LIMIT $18'
    END;
    IF rows IS NULL THEN
        RAISE EXCEPTION 'unknown sort %', sort USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE
        'SELECT t.product_id, p.name, t.shop_id, sh.handle, sh.name, sh.logo_media_id, sh.region, sh.city, '
        || 't.category_id, t.condition, t.currency, t.price, t.in_stock, t.rating, t.rating_count, t.listed_at, '
        || '(SELECT m.media_id FROM product_media m WHERE m.product_id = t.product_id ORDER BY m.position LIMIT 1), '
        || 't.k1, t.k2 FROM (' || rows || ') t JOIN products p ON p.id = t.product_id '
        || 'JOIN shops sh ON sh.id = t.shop_id ORDER BY t.k1 DESC, t.k2 DESC, t.product_id DESC'
        USING tsq, q, fuzzy, sort, hidden_owner_ids, category_ids, shop, wanted_condition, wanted_currency,
              min_price, max_price, only_in_stock, region, city, after_k1, after_k2, after_id, page, rank_window;
END $fn$;
