-- depends: 0011.users-relationship-function 0021.payments-card-checkout
-- Commerce (docs/commerce.md): shops, their staff and delivery fees, and the buyers' address
-- books. Products, stock, carts and orders come later and reference shops (id) and, for a
-- delivery, copy an address into the order (an address may be edited or deleted afterwards).

CREATE TABLE shops (
    id                   uuid        PRIMARY KEY,
    owner_id             uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    handle               text        NOT NULL CHECK (handle ~ '^[A-Za-z0-9_]{3,30}$'),
    name                 text        NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    description          text        CHECK (length(description) BETWEEN 1 AND 2000),
    logo_media_id        uuid,
    cover_media_id       uuid,
    region               text        CHECK (length(region) BETWEEN 1 AND 100),
    city                 text        CHECK (length(city) BETWEEN 1 AND 100),
    phone                text        CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email                text        CHECK (length(email) BETWEEN 3 AND 254),
    -- The currency of its fees (and, later, of its prices): integer minor units of it.
    currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    pickup               boolean     NOT NULL DEFAULT false,
    pickup_note          text        CHECK (length(pickup_note) BETWEEN 1 AND 300),
    delivery             boolean     NOT NULL DEFAULT false,
    -- What delivery costs to a region the shop names no fee for; NULL: it delivers only to those it names.
    delivery_default_fee bigint      CHECK (delivery_default_fee >= 0),
    return_policy        text        CHECK (length(return_policy) BETWEEN 1 AND 2000),
    state                text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'suspended')),
    suspended_reason     text        CHECK (length(suspended_reason) BETWEEN 1 AND 500),
    state_changed_at     timestamptz NOT NULL DEFAULT now(),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'suspended') = (suspended_reason IS NOT NULL))
);
-- A handle is unique in any letter case: $Duka_la_Amina and $duka_la_amina are one shop.
CREATE UNIQUE INDEX shops_handle_key ON shops (lower(handle));
CREATE INDEX shops_of_owner ON shops (owner_id, created_at, id);

-- Delivery fees by region: the fee to a region the shop names (matched in any letter case).
CREATE TABLE shop_delivery_fees (
    shop_id    uuid   NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    region     text   NOT NULL CHECK (length(region) BETWEEN 1 AND 100),
    fee        bigint NOT NULL CHECK (fee >= 0),
    position   integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (shop_id, position)
);
CREATE UNIQUE INDEX shop_delivery_fees_region ON shop_delivery_fees (shop_id, lower(region));

-- Who may act for a shop: its owner (exactly one, shops.owner_id) and the managers the owner added.
CREATE TABLE shop_staff (
    shop_id    uuid        NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text        NOT NULL CHECK (role IN ('owner', 'manager')),
    added_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, user_id)
);
CREATE UNIQUE INDEX shop_staff_one_owner ON shop_staff (shop_id) WHERE role = 'owner';
CREATE INDEX shop_staff_of_user ON shop_staff (user_id, created_at, shop_id);

-- A buyer's address book: East African addresses to deliver to. A deleted address keeps its
-- row (deleted_at) and is never shown again.
CREATE TABLE addresses (
    id             uuid        PRIMARY KEY,
    user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label          text        CHECK (length(label) BETWEEN 1 AND 40),
    country        text        NOT NULL CHECK (country IN ('BI', 'CD', 'KE', 'RW', 'SO', 'SS', 'TZ', 'UG')),
    region         text        NOT NULL CHECK (length(region) BETWEEN 1 AND 100),
    district       text        NOT NULL CHECK (length(district) BETWEEN 1 AND 100),
    ward           text        CHECK (length(ward) BETWEEN 1 AND 100),
    street         text        CHECK (length(street) BETWEEN 1 AND 200),
    landmark       text        CHECK (length(landmark) BETWEEN 1 AND 200),
    recipient_name text        NOT NULL CHECK (length(recipient_name) BETWEEN 1 AND 80),
    phone          text        NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    is_default     boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz,
    CHECK (NOT (is_default AND deleted_at IS NOT NULL))
);
-- One default per user, whatever runs at once.
CREATE UNIQUE INDEX addresses_one_default ON addresses (user_id) WHERE is_default;
CREATE INDEX addresses_of_user ON addresses (user_id, created_at) WHERE deleted_at IS NULL;
