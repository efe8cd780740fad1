-- depends: 0023.commerce-shops
-- Commerce (docs/commerce.md): the catalogue (categories, products, their variants, price tiers
-- and stock with its audit), the carts, and the orders a checkout places (one per shop), with
-- their items and their timeline. Money is integer minor units of the shop's currency.

-- A tree of categories, seeded below; operators add to it. A slug is the category's stable name.
CREATE TABLE product_categories (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id  uuid        REFERENCES product_categories (id),
    slug       text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    name_sw    text        CHECK (length(name_sw) BETWEEN 1 AND 80),
    position   integer     NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX product_categories_children ON product_categories (parent_id, position, slug);

CREATE TABLE products (
    id                  uuid        PRIMARY KEY,
    shop_id             uuid        NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    category_id         uuid        REFERENCES product_categories (id),
    name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description         text        CHECK (length(description) BETWEEN 1 AND 5000),
    condition           text        NOT NULL DEFAULT 'new' CHECK (condition IN ('new', 'used')),
    state               text        NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'active', 'archived')),
    -- The shop's currency when the product was made: every price of it is in this currency.
    currency            text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- The option axes, in order: [{"name": "Size", "values": ["S", "M"]}, ...]; [] for none.
    options             jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(options) = 'array'),
    -- A variant with at most this many units available is "low in stock".
    low_stock_threshold integer     NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0),
    published_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_of_shop ON products (shop_id, created_at, id);
CREATE INDEX products_of_category ON products (category_id) WHERE state = 'active';

CREATE TABLE product_media (
    product_id uuid    NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 0),
    media_id   uuid    NOT NULL,
    PRIMARY KEY (product_id, position)
);

-- Each combination of the product's option values is a variant; a product without options has
-- one. Stock: on_hand units are in the shop; committed of them are reserved by checkouts not yet
-- paid or allocated to paid orders not yet shipped. available = on_hand - committed, never below 0.
CREATE TABLE product_variants (
    id              uuid        PRIMARY KEY,
    product_id      uuid        NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    shop_id         uuid        NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    sku             text        NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    -- {"Size": "M", "Colour": "Red"}: one value of each of the product's axes; {} without axes.
    options         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(options) = 'object'),
    price           bigint      NOT NULL CHECK (price > 0),
    stock_on_hand   integer     NOT NULL DEFAULT 0 CHECK (stock_on_hand >= 0),
    stock_committed integer     NOT NULL DEFAULT 0 CHECK (stock_committed >= 0),
    position        integer     NOT NULL DEFAULT 0 CHECK (position >= 0),
    archived_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (stock_committed <= stock_on_hand)
);
CREATE INDEX product_variants_of_product ON product_variants (product_id, position, id);
-- A SKU names one variant in its shop, in any letter case.
CREATE UNIQUE INDEX product_variants_sku ON product_variants (shop_id, lower(sku));
CREATE UNIQUE INDEX product_variants_options ON product_variants (product_id, options) WHERE archived_at IS NULL;

CREATE TABLE variant_media (
    variant_id uuid    NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position >= 0),
    media_id   uuid    NOT NULL,
    PRIMARY KEY (variant_id, position)
);

-- Quantity pricing: from min_quantity units (up to max_quantity, NULL for no end) each unit costs
-- unit_price. A tier of the product (variant_id NULL) applies to each of its variants that has no
-- tiers of its own. Tiers of one product or variant never overlap (the domain checks it, with the
-- product's row locked).
CREATE TABLE product_price_tiers (
    id           uuid    PRIMARY KEY,
    product_id   uuid    NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id   uuid    REFERENCES product_variants (id) ON DELETE CASCADE,
    min_quantity integer NOT NULL CHECK (min_quantity >= 2),
    max_quantity integer CHECK (max_quantity >= min_quantity),
    unit_price   bigint  NOT NULL CHECK (unit_price > 0)
);
CREATE UNIQUE INDEX product_price_tiers_start ON product_price_tiers (product_id, variant_id, min_quantity) NULLS NOT DISTINCT;

-- Every change of a variant's on_hand or committed stock, with what caused it: a seller's
-- adjustment (restock, correction, damaged, lost, returned) or an order's (reserved, released,
-- shipped). Append-only.
CREATE TABLE stock_movements (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    variant_id      uuid        NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    on_hand_delta   integer     NOT NULL,
    committed_delta integer     NOT NULL,
    on_hand_after   integer     NOT NULL,
    committed_after integer     NOT NULL,
    reason          text        NOT NULL CHECK (reason IN ('initial', 'restock', 'correction', 'damaged', 'lost',
                                                           'returned', 'reserved', 'released', 'shipped')),
    note            text        CHECK (length(note) BETWEEN 1 AND 300),
    actor_id        uuid        REFERENCES users (id) ON DELETE SET NULL,
    order_id        uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (on_hand_delta <> 0 OR committed_delta <> 0)
);
CREATE INDEX stock_movements_of_variant ON stock_movements (variant_id, id);

-- A buyer's cart, across shops: the price each line was last seen at, to tell of a change.
CREATE TABLE cart_items (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    variant_id uuid        NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    quantity   integer     NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    seen_price bigint      NOT NULL CHECK (seen_price > 0),
    added_at   timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, variant_id)
);

-- An order: what one buyer bought of one shop in one checkout. Its stock is reserved while it
-- waits for payment (until reserved_until), allocated once paid, shipped or released.
CREATE TABLE orders (
    id             uuid        PRIMARY KEY,
    checkout_id    uuid        NOT NULL,
    buyer_id       uuid        NOT NULL REFERENCES users (id),
    shop_id        uuid        NOT NULL REFERENCES shops (id),
    -- The shop's owner when it was placed: the payee of its hold and whose trust it counts for.
    seller_id      uuid        NOT NULL REFERENCES users (id),
    state          text        NOT NULL DEFAULT 'pending_payment'
                               CHECK (state IN ('pending_payment', 'paid', 'accepted', 'shipped', 'delivered',
                                                'completed', 'cancelled', 'refunded', 'disputed')),
    stock_state    text        NOT NULL DEFAULT 'reserved' CHECK (stock_state IN ('reserved', 'allocated', 'released',
                                                                                  'shipped')),
    currency       text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal       bigint      NOT NULL CHECK (subtotal > 0),
    delivery_fee   bigint      NOT NULL CHECK (delivery_fee >= 0),
    total          bigint      NOT NULL,
    fulfilment     text        NOT NULL CHECK (fulfilment IN ('delivery', 'pickup')),
    -- The delivery address as it was at checkout (the address book may change afterwards).
    address        jsonb,
    hold_id        uuid,
    tracking       jsonb,
    reserved_until timestamptz,
    cancel_reason  text        CHECK (length(cancel_reason) BETWEEN 1 AND 300),
    dispute_reason text        CHECK (length(dispute_reason) BETWEEN 1 AND 1000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    paid_at        timestamptz,
    shipped_at     timestamptz,
    delivered_at   timestamptz,
    completed_at   timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (total = subtotal + delivery_fee),
    CHECK ((fulfilment = 'delivery') = (address IS NOT NULL))
);
CREATE INDEX orders_of_buyer ON orders (buyer_id, created_at, id);
CREATE INDEX orders_of_shop ON orders (shop_id, created_at, id);
CREATE INDEX orders_of_checkout ON orders (checkout_id);
CREATE INDEX orders_awaiting_payment ON orders (reserved_until) WHERE state = 'pending_payment';

CREATE TABLE order_items (
    order_id      uuid    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 0),
    product_id    uuid    NOT NULL REFERENCES products (id),
    variant_id    uuid    NOT NULL REFERENCES product_variants (id),
    quantity      integer NOT NULL CHECK (quantity > 0),
    unit_price    bigint  NOT NULL CHECK (unit_price > 0),
    line_total    bigint  NOT NULL,
    -- What the buyer saw, kept as it was.
    product_name  text    NOT NULL,
    variant_label text,
    sku           text    NOT NULL,
    PRIMARY KEY (order_id, position),
    CHECK (line_total = unit_price * quantity)
);
CREATE INDEX order_items_of_variant ON order_items (variant_id);

-- Each state an order entered, when, and who moved it there.
CREATE TABLE order_transitions (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_state text,
    to_state   text        NOT NULL,
    actor      text        NOT NULL CHECK (actor IN ('buyer', 'seller', 'system', 'operator')),
    actor_id   uuid        REFERENCES users (id) ON DELETE SET NULL,
    note       text        CHECK (length(note) BETWEEN 1 AND 1000),
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_transitions_of_order ON order_transitions (order_id, id);

-- The seeded category tree (slug, English and Swahili names); operators add more.
INSERT INTO product_categories (slug, name, name_sw, position) VALUES
    ('electronics', 'Electronics', 'Vifaa vya elektroniki', 1),
    ('fashion', 'Fashion', 'Mitindo', 2),
    ('home', 'Home and kitchen', 'Nyumbani na jikoni', 3),
    ('beauty', 'Beauty and health', 'Urembo na afya', 4),
    ('food', 'Food and groceries', 'Vyakula', 5),
    ('agriculture', 'Agriculture', 'Kilimo', 6),
    ('vehicles', 'Vehicles and parts', 'Magari na vipuri', 7),
    ('books', 'Books and stationery', 'Vitabu na vifaa vya shule', 8),
    ('sports', 'Sports and outdoors', 'Michezo', 9),
    ('kids', 'Babies and kids', 'Watoto', 10),
    ('crafts', 'Art and crafts', 'Sanaa na kazi za mikono', 11);
INSERT INTO product_categories (parent_id, slug, name, name_sw, position)
SELECT parent.id, child.slug, child.name, child.name_sw, child.position
  FROM (VALUES
    ('electronics', 'phones', 'Phones and tablets', 'Simu na tableti', 1),
    ('electronics', 'computers', 'Computers', 'Kompyuta', 2),
    ('electronics', 'audio', 'Audio and TV', 'Sauti na TV', 3),
    ('electronics', 'solar', 'Solar and power', 'Sola na umeme', 4),
    ('fashion', 'womens-clothing', 'Women''s clothing', 'Nguo za wanawake', 1),
    ('fashion', 'mens-clothing', 'Men''s clothing', 'Nguo za wanaume', 2),
    ('fashion', 'shoes', 'Shoes', 'Viatu', 3),
    ('fashion', 'kitenge', 'Kitenge and kanga', 'Vitenge na kanga', 4),
    ('fashion', 'jewellery', 'Jewellery and accessories', 'Vito na mapambo', 5),
    ('home', 'furniture', 'Furniture', 'Samani', 1),
    ('home', 'kitchen', 'Kitchen', 'Jikoni', 2),
    ('beauty', 'skincare', 'Skin and hair care', 'Ngozi na nywele', 1),
    ('food', 'fresh-produce', 'Fresh produce', 'Mazao mabichi', 1),
    ('food', 'spices', 'Spices and tea', 'Viungo na chai', 2),
    ('agriculture', 'seeds', 'Seeds and seedlings', 'Mbegu na miche', 1),
    ('agriculture', 'farm-tools', 'Farm tools', 'Zana za kilimo', 2),
    ('vehicles', 'motorcycles', 'Motorcycles and bodaboda', 'Pikipiki na bodaboda', 1),
    ('vehicles', 'spare-parts', 'Spare parts', 'Vipuri', 2)
  ) AS child (parent_slug, slug, name, name_sw, position)
  JOIN product_categories parent ON parent.slug = child.parent_slug;
