-- depends: 0031.commerce-order-rows
-- E-Events (docs/events.md): events from the first draft to the door. An event is made step by
-- step as a draft (one at a time per organizer), published, possibly edited, unpublished before
-- any sale, cancelled or completed. Its days carry the schedule (one for a one-time event,
-- several for a multi-day one, each with its own check-in); its ticket types what is sold; a
-- ticket order what one buyer bought in one checkout, paid into one escrow hold; each ticket
-- one admission, signed with the platform's RSA key (ticket_signing_keys) and checked in at
-- most once per day. Money is integer minor units of the event's currency.

CREATE TABLE event_categories (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    slug       text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    name_sw    text        CHECK (length(name_sw) BETWEEN 1 AND 80),
    position   integer     NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- state: draft (being made; at most one per organizer), published (public, on sale),
-- unpublished (taken down before any sale; editable, may be published again), cancelled (by the
-- organizer; every paid ticket refunded), completed (its last day ended).
-- format: in_person (a venue with address and coordinates, check-in at the door) or online (a
-- streaming link shown only to ticket holders). Whether it is one-time or multi-day is how many
-- days it has. A draft's fields are NULL until their step is saved; publish checks them all.
CREATE TABLE events (
    id              uuid        PRIMARY KEY,
    organizer_id    uuid        NOT NULL REFERENCES users (id),
    state           text        NOT NULL DEFAULT 'draft'
                                CHECK (state IN ('draft', 'published', 'unpublished', 'cancelled', 'completed')),
    title           text        CHECK (length(title) BETWEEN 1 AND 140),
    description     text        CHECK (length(description) BETWEEN 1 AND 10000),
    category_id     uuid        REFERENCES event_categories (id),
    cover_media_id  uuid,
    format          text        CHECK (format IN ('in_person', 'online')),
    -- An IANA zone name (checked by the domain with zoneinfo); times are stored as instants and
    -- shown in this zone.
    time_zone       text        NOT NULL DEFAULT 'Africa/Nairobi' CHECK (length(time_zone) BETWEEN 1 AND 64),
    venue_name      text        CHECK (length(venue_name) BETWEEN 1 AND 140),
    -- {"line1", "line2", "city", "region", "country" (ISO 3166-1 alpha-2)}
    venue_address   jsonb       CHECK (jsonb_typeof(venue_address) = 'object'),
    latitude        numeric(9, 6) CHECK (latitude BETWEEN -90 AND 90),
    longitude       numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
    streaming_url   text        CHECK (streaming_url ~ '^https://' AND length(streaming_url) <= 2000),
    currency        text        NOT NULL DEFAULT 'TZS' CHECK (currency ~ '^[A-Z]{3}$'),
    -- The steps of the draft saved so far, in the order basics, schedule, place, tickets.
    steps_done      text[]      NOT NULL DEFAULT '{}',
    -- The first day's start and the last day's end, kept by the domain when days change (search
    -- and the lists order and filter by them).
    starts_at       timestamptz,
    ends_at         timestamptz,
    published_at    timestamptz,
    cancelled_at    timestamptz,
    cancel_reason   text        CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    completed_at    timestamptz,
    -- Settlement of the event's ticket money after it completes (docs/events.md, "Money"):
    -- none (nothing to settle yet), waiting (the feedback window runs until settle_after),
    -- released (every hold released to the organizer), held (reviews in the window fell below
    -- the threshold: an operator decides), refunded (cancelled: every paid ticket refunded).
    settlement      text        NOT NULL DEFAULT 'none'
                                CHECK (settlement IN ('none', 'waiting', 'released', 'held', 'refunded')),
    settle_after    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR starts_at < ends_at),
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CHECK (state <> 'cancelled' OR cancelled_at IS NOT NULL),
    CHECK (state <> 'completed' OR completed_at IS NOT NULL)
);
-- One draft at a time per organizer: creating a second answers the one that exists.
CREATE UNIQUE INDEX events_one_draft ON events (organizer_id) WHERE state = 'draft';
CREATE INDEX events_of_organizer ON events (organizer_id, created_at, id);
CREATE INDEX events_upcoming ON events (starts_at, id) WHERE state = 'published';
CREATE INDEX events_to_complete ON events (ends_at) WHERE state = 'published';

-- The days of an event, numbered from 1 in time order; each admits separately.
CREATE TABLE event_days (
    id         uuid        PRIMARY KEY,
    event_id   uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    number     integer     NOT NULL CHECK (number >= 1),
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    -- Check-in opens this long before the day starts (doors), default an hour.
    doors_open interval    NOT NULL DEFAULT interval '1 hour' CHECK (doors_open >= interval '0'),
    title      text        CHECK (length(title) BETWEEN 1 AND 140),
    UNIQUE (event_id, number),
    CHECK (starts_at < ends_at)
);

-- kind: free (price 0), paid, vip, early_bird (a paid type that closes at its sales end or when
-- its quantity is gone). committed = tickets reserved by unpaid orders plus tickets issued and
-- not cancelled; available = quantity - committed, never below 0 (the one conditional UPDATE of
-- docs/events.md, "Buying tickets").
CREATE TABLE ticket_types (
    id              uuid        PRIMARY KEY,
    event_id        uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    description     text        CHECK (length(description) BETWEEN 1 AND 1000),
    kind            text        NOT NULL CHECK (kind IN ('free', 'paid', 'vip', 'early_bird')),
    price           bigint      NOT NULL CHECK (price >= 0),
    quantity        integer     NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    committed       integer     NOT NULL DEFAULT 0 CHECK (committed >= 0),
    per_order_limit integer     NOT NULL DEFAULT 10 CHECK (per_order_limit BETWEEN 1 AND 100),
    sales_start_at  timestamptz,
    sales_end_at    timestamptz,
    -- public: listed on the event page; hidden: sold only to those given its id (a guest list,
    -- a sponsor's allocation).
    visibility      text        NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'hidden')),
    position        integer     NOT NULL DEFAULT 0 CHECK (position >= 0),
    archived_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'free') = (price = 0)),
    CHECK (committed <= quantity),
    CHECK (sales_end_at IS NULL OR sales_start_at IS NULL OR sales_start_at < sales_end_at)
);
CREATE INDEX ticket_types_of_event ON ticket_types (event_id, position, id);

-- The days a ticket type admits to (multi-day); a type of a one-time event admits its one day.
CREATE TABLE ticket_type_days (
    ticket_type_id uuid NOT NULL REFERENCES ticket_types (id) ON DELETE CASCADE,
    day_id         uuid NOT NULL REFERENCES event_days (id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_type_id, day_id)
);
CREATE INDEX ticket_type_days_of_day ON ticket_type_days (day_id);

-- A ticket order: what one buyer bought of one event in one checkout, under the Idempotency-Key
-- the app sent. pending_payment holds its tickets' count (committed) until reserved_until; paid
-- issues them; a free order is paid at once with no hold. cancelled: unpaid and expired or
-- given up; refunded: every ticket of it refunded.
CREATE TABLE ticket_orders (
    id              uuid        PRIMARY KEY,
    event_id        uuid        NOT NULL REFERENCES events (id),
    buyer_id        uuid        NOT NULL REFERENCES users (id),
    organizer_id    uuid        NOT NULL REFERENCES users (id),
    state           text        NOT NULL DEFAULT 'pending_payment'
                                CHECK (state IN ('pending_payment', 'paid', 'cancelled', 'refunded')),
    currency        text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total           bigint      NOT NULL CHECK (total >= 0),
    hold_id         uuid,
    idempotency_key text        NOT NULL CHECK (idempotency_key ~ '^[ -~]{1,255}$'),
    request_hash    bytea       NOT NULL CHECK (length(request_hash) = 32),
    reserved_until  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    paid_at         timestamptz,
    closed_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (buyer_id, idempotency_key),
    CHECK ((total = 0) = (hold_id IS NULL) OR state = 'pending_payment')
);
CREATE INDEX ticket_orders_of_event ON ticket_orders (event_id, created_at, id);
CREATE INDEX ticket_orders_of_buyer ON ticket_orders (buyer_id, created_at, id);
CREATE INDEX ticket_orders_awaiting_payment ON ticket_orders (reserved_until) WHERE state = 'pending_payment';

CREATE TABLE ticket_order_lines (
    order_id       uuid    NOT NULL REFERENCES ticket_orders (id) ON DELETE CASCADE,
    ticket_type_id uuid    NOT NULL REFERENCES ticket_types (id),
    quantity       integer NOT NULL CHECK (quantity > 0),
    unit_price     bigint  NOT NULL CHECK (unit_price >= 0),
    line_total     bigint  NOT NULL,
    -- What the buyer saw, kept as it was.
    type_name      text    NOT NULL,
    PRIMARY KEY (order_id, ticket_type_id),
    CHECK (line_total = unit_price * quantity)
);

-- The platform's ticket signing keys (RSA, 2048 bits or more, RSA-PSS with SHA-256). active:
-- the one key new tickets are signed with; rotated: no longer signs, still verifies what it
-- signed; retired: withdrawn (a key thought compromised), tickets it signed no longer verify.
-- The private key is PKCS#8 PEM, encrypted with NEXGATE_EVENTS_KEY_PASSPHRASE.
CREATE TABLE ticket_signing_keys (
    id              text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,32}$'),
    state           text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'rotated', 'retired')),
    public_key_pem  text        NOT NULL,
    private_key_pem bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    rotated_at      timestamptz,
    retired_at      timestamptz
);
CREATE UNIQUE INDEX ticket_signing_keys_one_active ON ticket_signing_keys ((true)) WHERE state = 'active';

-- One admission to an event (on the days of its type). valid: may be checked in; cancelled:
-- refunded or cancelled by the organizer; transferred: replaced by replaced_by (a new ticket,
-- a new code, for the new holder). A ticket that is not valid is on the event's revocation list.
-- code: the short human-readable code for manual entry, unique per event. payload and signature:
-- exactly what the QR code carries (docs/events.md, "The ticket format").
CREATE TABLE tickets (
    id             uuid        PRIMARY KEY,
    event_id       uuid        NOT NULL REFERENCES events (id),
    ticket_type_id uuid        NOT NULL REFERENCES ticket_types (id),
    order_id       uuid        NOT NULL REFERENCES ticket_orders (id),
    holder_id      uuid        NOT NULL REFERENCES users (id),
    state          text        NOT NULL DEFAULT 'valid' CHECK (state IN ('valid', 'cancelled', 'transferred')),
    code           text        NOT NULL CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$'),
    price          bigint      NOT NULL CHECK (price >= 0),
    key_id         text        NOT NULL REFERENCES ticket_signing_keys (id),
    payload        bytea       NOT NULL,
    signature      bytea       NOT NULL,
    valid_from     timestamptz NOT NULL,
    valid_until    timestamptz NOT NULL,
    replaces       uuid        REFERENCES tickets (id),
    replaced_by    uuid        REFERENCES tickets (id),
    issued_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    UNIQUE (event_id, code),
    CHECK ((state = 'valid') = (revoked_at IS NULL)),
    CHECK ((state = 'transferred') = (replaced_by IS NOT NULL))
);
CREATE INDEX tickets_of_holder ON tickets (holder_id, issued_at, id);
CREATE INDEX tickets_of_event ON tickets (event_id, issued_at, id);
CREATE INDEX tickets_of_order ON tickets (order_id);
CREATE INDEX tickets_revoked ON tickets (event_id, revoked_at) WHERE state <> 'valid';

-- The people an organizer invited to help at one event: scanner (checks tickets in) or manager
-- (also sees attendees and the dashboard). invited until the user accepts.
CREATE TABLE event_staff (
    event_id    uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text        NOT NULL CHECK (role IN ('scanner', 'manager')),
    state       text        NOT NULL DEFAULT 'invited' CHECK (state IN ('invited', 'active')),
    invited_by  uuid        NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_staff_of_user ON event_staff (user_id);

-- Hardware ticket scanners registered for one event, each with its own API key (only its
-- SHA-256 is kept; the key is shown once) and the gate it stands at.
CREATE TABLE event_scanners (
    id          uuid        PRIMARY KEY,
    event_id    uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    gate        text        CHECK (length(gate) BETWEEN 1 AND 60),
    key_hash    bytea       NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    key_prefix  text        NOT NULL,
    created_by  uuid        NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX event_scanners_of_event ON event_scanners (event_id, created_at);

-- Self check-in kiosks. A kiosk asks for a pairing (it gets a secret and shows the pairing
-- code); the organizer pairs it to an event, a day and a gate; the kiosk then holds a live
-- session with its secret until the pairing is revoked. Only the secret's SHA-256 is kept.
CREATE TABLE kiosks (
    id            uuid        PRIMARY KEY,
    pairing_code  text        NOT NULL CHECK (pairing_code ~ '^[0-9]{6,8}$'),
    secret_hash   bytea       NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    state         text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'paired', 'revoked')),
    event_id      uuid        REFERENCES events (id) ON DELETE CASCADE,
    day_id        uuid        REFERENCES event_days (id) ON DELETE CASCADE,
    gate          text        CHECK (length(gate) BETWEEN 1 AND 60),
    name          text        CHECK (length(name) BETWEEN 1 AND 80),
    paired_by     uuid        REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    code_expires_at timestamptz NOT NULL,
    paired_at     timestamptz,
    revoked_at    timestamptz,
    CHECK ((state = 'pending') = (event_id IS NULL))
);
-- A pairing code names one kiosk waiting to be paired.
CREATE UNIQUE INDEX kiosks_pending_code ON kiosks (pairing_code) WHERE state = 'pending';
CREATE INDEX kiosks_of_event ON kiosks (event_id) WHERE state = 'paired';

-- Admissions: a ticket admitted once per day (the primary key is the rule the database keeps:
-- two scanners at the same instant admit once). method: app (an organizer's or staff member's
-- phone), scanner (a hardware scanner), manual (the short code typed by staff), kiosk.
-- by_user_id / scanner_id / kiosk_id: which device or person admitted it; scanned_at: when the
-- device saw it (an offline scanner's clock), recorded_at: when the server learned of it.
CREATE TABLE checkins (
    ticket_id   uuid        NOT NULL REFERENCES tickets (id),
    day_id      uuid        NOT NULL REFERENCES event_days (id),
    event_id    uuid        NOT NULL REFERENCES events (id),
    method      text        NOT NULL CHECK (method IN ('app', 'scanner', 'manual', 'kiosk')),
    gate        text        CHECK (length(gate) BETWEEN 1 AND 60),
    by_user_id  uuid        REFERENCES users (id),
    scanner_id  uuid        REFERENCES event_scanners (id),
    kiosk_id    uuid        REFERENCES kiosks (id),
    offline     boolean     NOT NULL DEFAULT false,
    scanned_at  timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, day_id),
    CHECK (num_nonnulls(by_user_id, scanner_id, kiosk_id) >= 1)
);
CREATE INDEX checkins_of_event ON checkins (event_id, day_id, recorded_at);

-- Scans an offline scanner uploaded, each once under its nonce (a retried upload answers the
-- stored result). conflict: a ticket the scanner admitted offline that another device had
-- already admitted that day; the organizer sees these.
CREATE TABLE offline_scans (
    scanner_id  uuid        NOT NULL REFERENCES event_scanners (id) ON DELETE CASCADE,
    nonce       text        NOT NULL CHECK (nonce ~ '^[ -~]{8,64}$'),
    event_id    uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    ticket_id   uuid        REFERENCES tickets (id),
    day_id      uuid        REFERENCES event_days (id),
    gate        text,
    scanned_at  timestamptz NOT NULL,
    result      text        NOT NULL,
    conflict    boolean     NOT NULL DEFAULT false,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scanner_id, nonce)
);
CREATE INDEX offline_scans_conflicts ON offline_scans (event_id, uploaded_at) WHERE conflict;

-- Unique viewers of an event's page per day (analytics): a signed-in viewer by user id, an
-- anonymous one by a hash of the device's address and user agent.
CREATE TABLE event_views (
    event_id   uuid  NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    day        date  NOT NULL,
    viewer_key bytea NOT NULL CHECK (length(viewer_key) BETWEEN 16 AND 32),
    viewer_id  uuid,
    PRIMARY KEY (event_id, day, viewer_key)
);

-- Reviews of the organizer by attendees, after the event ends, once each per event.
CREATE TABLE event_reviews (
    id           uuid        PRIMARY KEY,
    event_id     uuid        NOT NULL REFERENCES events (id),
    organizer_id uuid        NOT NULL REFERENCES users (id),
    reviewer_id  uuid        NOT NULL REFERENCES users (id),
    rating       smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body         text        CHECK (length(body) BETWEEN 1 AND 2000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, reviewer_id)
);
CREATE INDEX event_reviews_of_organizer ON event_reviews (organizer_id, created_at, id);

-- An organizer's rating, exactly: the count and sum of their reviews' ratings, kept in the
-- transaction that adds a review (the average is sum / count, shown rounded).
CREATE TABLE organizer_ratings (
    organizer_id uuid    PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    review_count integer NOT NULL DEFAULT 0 CHECK (review_count >= 0),
    rating_sum   bigint  NOT NULL DEFAULT 0 CHECK (rating_sum BETWEEN review_count AND 5 * review_count::bigint)
);

INSERT INTO event_categories (slug, name, name_sw, position) VALUES
    ('music', 'Music and concerts', 'Muziki na matamasha', 1),
    ('business', 'Business and networking', 'Biashara na mitandao', 2),
    ('technology', 'Technology', 'Teknolojia', 3),
    ('arts', 'Arts and culture', 'Sanaa na utamaduni', 4),
    ('sports', 'Sports and fitness', 'Michezo na mazoezi', 5),
    ('food', 'Food and drink', 'Vyakula na vinywaji', 6),
    ('education', 'Education and workshops', 'Elimu na warsha', 7),
    ('faith', 'Faith and community', 'Imani na jamii', 8),
    ('festival', 'Festivals', 'Sherehe na tamasha', 9),
    ('other', 'Other', 'Nyingine', 10);
