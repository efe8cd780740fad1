-- depends: 0005.users-graph
-- The verified badge's applications and the trust events that trust scores are computed from
-- (docs/trust.md). users.verified_at and users.trust_score themselves came with 0005.

-- A seller or organizer asks for the badge; a moderator approves or rejects it. The kind is
-- what the applicant says they are (the commerce and events areas will be able to check it).
CREATE TABLE verification_applications (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN ('seller', 'organizer')),
    statement   text        NOT NULL CHECK (length(statement) BETWEEN 1 AND 1000),
    evidence    text        CHECK (evidence IS NULL OR length(evidence) <= 2000),
    status      text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewer_id uuid        REFERENCES users (id) ON DELETE SET NULL,
    decided_at  timestamptz,
    reason      text        CHECK (reason IS NULL OR length(reason) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status <> 'rejected' OR reason IS NOT NULL)
);
-- At most one pending application per user.
CREATE UNIQUE INDEX verification_applications_one_pending ON verification_applications (user_id)
    WHERE status = 'pending';
-- The moderators' queue, oldest first.
CREATE INDEX verification_applications_queue ON verification_applications (created_at, id)
    WHERE status = 'pending';
CREATE INDEX verification_applications_user ON verification_applications (user_id, created_at DESC);

-- What the commerce and events areas reported about a seller or organizer. source_event_id is
-- the bus event's id: the same event delivered twice is recorded once.
CREATE TABLE trust_events (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text        NOT NULL CHECK (kind IN ('order_completed', 'order_refunded', 'dispute_lost',
                                                         'review', 'event_completed', 'event_cancelled')),
    rating          smallint    CHECK (rating BETWEEN 1 AND 5),
    source_event_id uuid        NOT NULL UNIQUE,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'review') = (rating IS NOT NULL))
);
-- Covers the recomputation (an index-only scan over one user's events).
CREATE INDEX trust_events_user ON trust_events (user_id) INCLUDE (kind, rating);

-- Prefix search on usernames and display names (pg_trgm's GIN indexes serve the fuzzy part
-- but not one- and two-letter prefixes).
CREATE INDEX users_username_prefix ON users (lower(username) text_pattern_ops);
CREATE INDEX users_display_name_prefix ON users (lower(display_name) text_pattern_ops);
