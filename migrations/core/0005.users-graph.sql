-- depends: 0004.auth-oauth
-- Profiles and the social graph. Counters live on the users row and are kept exact in the
-- same transaction as the follow that changes them; `nexgate users reconcile` repairs drift.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE users
    ADD COLUMN bio                  text        CHECK (bio IS NULL OR length(bio) <= 250),
    ADD COLUMN avatar_media_id      uuid,
    ADD COLUMN cover_media_id       uuid,
    ADD COLUMN location             text        CHECK (location IS NULL OR length(location) <= 100),
    ADD COLUMN website              text        CHECK (website IS NULL OR length(website) <= 200),
    ADD COLUMN is_private           boolean     NOT NULL DEFAULT false,
    ADD COLUMN show_presence        boolean     NOT NULL DEFAULT true,
    ADD COLUMN dm_policy            text        NOT NULL DEFAULT 'everyone'
                                                CHECK (dm_policy IN ('everyone', 'following')),
    ADD COLUMN verified_at          timestamptz,
    ADD COLUMN trust_score          smallint    CHECK (trust_score BETWEEN 0 AND 100),
    ADD COLUMN username_changed_at  timestamptz,
    ADD COLUMN followers_count      integer     NOT NULL DEFAULT 0 CHECK (followers_count >= 0),
    ADD COLUMN following_count      integer     NOT NULL DEFAULT 0 CHECK (following_count >= 0),
    ADD COLUMN posts_count          integer     NOT NULL DEFAULT 0 CHECK (posts_count >= 0),
    ADD COLUMN likes_received_count integer     NOT NULL DEFAULT 0 CHECK (likes_received_count >= 0);

CREATE INDEX users_username_trgm ON users USING gin (lower(username) gin_trgm_ops);
CREATE INDEX users_display_name_trgm ON users USING gin (lower(display_name) gin_trgm_ops);

-- Who follows whom. Lists page by (created_at, id of the other side), newest first.
CREATE TABLE user_follows (
    follower_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX user_follows_followers ON user_follows (followee_id, created_at DESC, follower_id DESC);
CREATE INDEX user_follows_following ON user_follows (follower_id, created_at DESC, followee_id DESC);

-- A request to follow a private account, until accepted or declined.
CREATE TABLE user_follow_requests (
    requester_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (requester_id, target_id),
    CHECK (requester_id <> target_id)
);
CREATE INDEX user_follow_requests_target ON user_follow_requests (target_id, created_at DESC, requester_id DESC);

CREATE TABLE user_blocks (
    blocker_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX user_blocks_blocked ON user_blocks (blocked_id, blocker_id);

CREATE TABLE user_mutes (
    muter_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    muted_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (muter_id, muted_id),
    CHECK (muter_id <> muted_id)
);
