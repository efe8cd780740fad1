-- depends: 0045.commerce-product-suspension
-- E-Social (docs/social.md): posts and what people do with them. A post is written by its
-- author (and, for a collaborative post, its accepted co-authors), carries plain text with the
-- entities parsed from it (links, @mentions, $shop mentions, #hashtags), ordered media, at most
-- one poll, ordered embeds of products, shops and events, and image tags on its images. It is
-- liked, commented on (with nested replies), reposted, quoted and bookmarked; its counters are
-- changed in the same transaction as the action. Feeds are read from these tables (and, for
-- home feeds, from Redis sorted sets rebuilt from them).

-- kind: original (a post of its own), repost (a plain repost of original_post_id: no text, no
-- media), quote (a post of its own quoting original_post_id).
-- post_type: what the post shows first, derived by the domain when it is saved: text, image,
-- video, mixed (images and videos), poll, product, event, repost, quote.
-- state: draft (saved, not published), pending_collaboration (its creator asked to publish while
-- collaboration invites are pending: it is published when the last one is resolved), scheduled
-- (published by a scheduled job at scheduled_at), published, deleted (soft: retained, shown to
-- no one; deleted_at says when).
-- visibility: public (anyone, anonymous included, under the users area's rules), followers (the
-- authors' followers), private (only the users mentioned in it).
CREATE TABLE posts (
    id               uuid        PRIMARY KEY,
    author_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind             text        NOT NULL DEFAULT 'original' CHECK (kind IN ('original', 'repost', 'quote')),
    post_type        text        NOT NULL DEFAULT 'text'
                                 CHECK (post_type IN ('text', 'image', 'video', 'mixed', 'poll', 'product', 'event',
                                                      'repost', 'quote')),
    state            text        NOT NULL DEFAULT 'draft'
                                 CHECK (state IN ('draft', 'pending_collaboration', 'scheduled', 'published', 'deleted')),
    visibility       text        NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'followers', 'private')),
    -- Plain text as typed (no HTML is interpreted); its entities: [{type: link|mention|shop|hashtag,
    -- offset, length, ...}] with offsets and lengths in Unicode code points.
    text             text        NOT NULL DEFAULT '' CHECK (length(text) <= 5000),
    entities         jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(entities) = 'array'),
    original_post_id uuid        REFERENCES posts (id),
    scheduled_at     timestamptz,
    published_at     timestamptz,
    edited_at        timestamptz,
    edits_count      integer     NOT NULL DEFAULT 0 CHECK (edits_count >= 0),
    likes_count      integer     NOT NULL DEFAULT 0 CHECK (likes_count >= 0),
    comments_count   integer     NOT NULL DEFAULT 0 CHECK (comments_count >= 0),
    reposts_count    integer     NOT NULL DEFAULT 0 CHECK (reposts_count >= 0),
    quotes_count     integer     NOT NULL DEFAULT 0 CHECK (quotes_count >= 0),
    bookmarks_count  integer     NOT NULL DEFAULT 0 CHECK (bookmarks_count >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    CHECK ((kind = 'original') = (original_post_id IS NULL)),
    CHECK (kind <> 'repost' OR text = ''),
    CHECK ((state = 'scheduled') <= (scheduled_at IS NOT NULL)),
    CHECK ((state = 'published') <= (published_at IS NOT NULL)),
    CHECK ((state = 'deleted') = (deleted_at IS NOT NULL))
);
-- A user's posts, newest first (their profile, the home feed's database fallback).
CREATE INDEX posts_of_author ON posts (author_id, published_at DESC, id DESC) WHERE state = 'published';
-- Explore: recent public posts.
CREATE INDEX posts_public_recent ON posts (published_at DESC, id DESC)
    WHERE state = 'published' AND visibility = 'public';
-- A user's drafts (GET /api/posts/drafts) and scheduled posts.
CREATE INDEX posts_unpublished_of_author ON posts (author_id, created_at DESC, id DESC)
    WHERE state IN ('draft', 'pending_collaboration', 'scheduled');
-- Reposts and quotes of a post (GET /api/posts/{id}/reposts).
CREATE INDEX posts_of_original ON posts (original_post_id, published_at DESC, id DESC)
    WHERE original_post_id IS NOT NULL AND state = 'published';
-- One plain repost of a post per user at a time.
CREATE UNIQUE INDEX posts_one_repost ON posts (author_id, original_post_id)
    WHERE kind = 'repost' AND state <> 'deleted';

-- Every earlier version of an edited post, newest last: what viewers see as its edit history.
CREATE TABLE post_edits (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id     uuid        NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    editor_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The version this edit replaced.
    text        text        NOT NULL,
    entities    jsonb       NOT NULL,
    visibility  text        NOT NULL,
    -- What the edit changed: text, visibility, media, embeds, collaborators.
    changed     text[]      NOT NULL,
    edited_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_edits_of_post ON post_edits (post_id, edited_at, id);

-- A post's images and videos (media of purpose 'post' owned by one of its authors), in order.
CREATE TABLE post_media (
    post_id    uuid     NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    media_id   uuid     NOT NULL REFERENCES media (id),
    position   smallint NOT NULL CHECK (position BETWEEN 0 AND 19),
    PRIMARY KEY (post_id, media_id),
    UNIQUE (post_id, position) DEFERRABLE INITIALLY DEFERRED
);

-- The users a post mentions (from its entities): who a private post is shown to, and who is told.
CREATE TABLE post_mentions (
    post_id  uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_mentions_of_user ON post_mentions (user_id, post_id);

CREATE TABLE hashtags (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Lower case, without the '#'.
    tag         text        NOT NULL UNIQUE CHECK (tag ~ '^[^\s#A-Z]{1,100}$'),
    posts_count integer     NOT NULL DEFAULT 0 CHECK (posts_count >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A published post's hashtags; published_at is the post's, so a hashtag's feed is one index.
CREATE TABLE post_hashtags (
    post_id      uuid        NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    hashtag_id   uuid        NOT NULL REFERENCES hashtags (id),
    published_at timestamptz NOT NULL,
    PRIMARY KEY (post_id, hashtag_id)
);
CREATE INDEX post_hashtags_feed ON post_hashtags (hashtag_id, published_at DESC, post_id DESC);

-- A post's embeds, in order: a product, a shop or an event, shown as the owning area's card.
-- A shop is embedded explicitly (link), tagged in the post's metadata (tag) or by a $handle in
-- its text (mention).
CREATE TABLE post_embeds (
    post_id     uuid     NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position    smallint NOT NULL CHECK (position BETWEEN 0 AND 19),
    kind        text     NOT NULL CHECK (kind IN ('product', 'shop', 'event')),
    product_id  uuid     REFERENCES products (id),
    shop_id     uuid     REFERENCES shops (id),
    event_id    uuid     REFERENCES events (id),
    mention_type text    CHECK (mention_type IN ('link', 'tag', 'mention')),
    PRIMARY KEY (post_id, position),
    CHECK (num_nonnulls(product_id, shop_id, event_id) = 1),
    CHECK ((kind = 'product') = (product_id IS NOT NULL)),
    CHECK ((kind = 'shop') = (shop_id IS NOT NULL)),
    CHECK ((kind = 'event') = (event_id IS NOT NULL)),
    CHECK ((kind = 'shop') = (mention_type IS NOT NULL))
);
CREATE UNIQUE INDEX post_embeds_one_product ON post_embeds (post_id, product_id) WHERE product_id IS NOT NULL;
CREATE UNIQUE INDEX post_embeds_one_shop ON post_embeds (post_id, shop_id) WHERE shop_id IS NOT NULL;
CREATE UNIQUE INDEX post_embeds_one_event ON post_embeds (post_id, event_id) WHERE event_id IS NOT NULL;
-- Posts featuring a product, a shop, an event (their pages; the seller's notices).
CREATE INDEX post_embeds_of_product ON post_embeds (product_id, post_id) WHERE product_id IS NOT NULL;
CREATE INDEX post_embeds_of_shop ON post_embeds (shop_id, post_id) WHERE shop_id IS NOT NULL;
CREATE INDEX post_embeds_of_event ON post_embeds (event_id, post_id) WHERE event_id IS NOT NULL;

-- A tag on one of a post's images at percentage coordinates: a user, a product or a shop.
CREATE TABLE image_tags (
    id          uuid         PRIMARY KEY,
    post_id     uuid         NOT NULL,
    media_id    uuid         NOT NULL,
    kind        text         NOT NULL CHECK (kind IN ('user', 'product', 'shop')),
    user_id     uuid         REFERENCES users (id) ON DELETE CASCADE,
    product_id  uuid         REFERENCES products (id),
    shop_id     uuid         REFERENCES shops (id),
    x           numeric(5,2) NOT NULL CHECK (x BETWEEN 0 AND 100),
    y           numeric(5,2) NOT NULL CHECK (y BETWEEN 0 AND 100),
    created_by  uuid         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    FOREIGN KEY (post_id, media_id) REFERENCES post_media (post_id, media_id) ON DELETE CASCADE,
    CHECK (num_nonnulls(user_id, product_id, shop_id) = 1),
    CHECK ((kind = 'user') = (user_id IS NOT NULL)),
    CHECK ((kind = 'product') = (product_id IS NOT NULL)),
    CHECK ((kind = 'shop') = (shop_id IS NOT NULL))
);
CREATE INDEX image_tags_of_media ON image_tags (post_id, media_id, created_at, id);
-- One tag of the same user, product or shop per image.
CREATE UNIQUE INDEX image_tags_one_target ON image_tags (post_id, media_id, kind, coalesce(user_id, product_id, shop_id));

-- A collaborative post's co-authors besides its creator (posts.author_id, the primary author who
-- cannot be removed): pending until they accept; a declined invite's row is deleted (and the
-- creator told), as is the row of a collaborator who leaves or is removed.
CREATE TABLE post_collaborators (
    post_id      uuid        NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted')),
    invited_by   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_at   timestamptz NOT NULL DEFAULT now(),
    accepted_at  timestamptz,
    PRIMARY KEY (post_id, user_id),
    CHECK ((status = 'accepted') = (accepted_at IS NOT NULL))
);
-- A user's collaborative posts (their profile) and pending invites.
CREATE INDEX post_collaborators_of_user ON post_collaborators (user_id, status, post_id);

-- A post's poll: 2–10 options, single or multiple choice, open or expiring, anonymous or not.
-- closed_at: closed early by the post's creator. total_votes counts votes (a multiple-choice
-- voter may cast several); voters_count counts people.
CREATE TABLE polls (
    id               uuid        PRIMARY KEY,
    post_id          uuid        NOT NULL UNIQUE REFERENCES posts (id) ON DELETE CASCADE,
    question         text        CHECK (length(question) BETWEEN 1 AND 300),
    allows_multiple  boolean     NOT NULL DEFAULT false,
    is_anonymous     boolean     NOT NULL DEFAULT false,
    expires_at       timestamptz,
    closed_at        timestamptz,
    total_votes      integer     NOT NULL DEFAULT 0 CHECK (total_votes >= 0),
    voters_count     integer     NOT NULL DEFAULT 0 CHECK (voters_count >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE poll_options (
    id           uuid        PRIMARY KEY,
    poll_id      uuid        NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position     smallint    NOT NULL CHECK (position BETWEEN 0 AND 9),
    text         text        NOT NULL CHECK (length(text) BETWEEN 1 AND 100),
    votes_count  integer     NOT NULL DEFAULT 0 CHECK (votes_count >= 0),
    UNIQUE (poll_id, position),
    UNIQUE (poll_id, id)
);

-- One row per person who voted (the first vote inserts it: two first votes at once make one);
-- their choices are poll_votes.
CREATE TABLE poll_voters (
    poll_id     uuid        NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    voted_at    timestamptz NOT NULL DEFAULT now(),
    changed_at  timestamptz,
    PRIMARY KEY (poll_id, user_id)
);

CREATE TABLE poll_votes (
    poll_id    uuid        NOT NULL,
    option_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (poll_id, user_id, option_id),
    FOREIGN KEY (poll_id, user_id) REFERENCES poll_voters (poll_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (poll_id, option_id) REFERENCES poll_options (poll_id, id) ON DELETE CASCADE
);
-- The voters of an option, newest first (a poll that is not anonymous).
CREATE INDEX poll_votes_of_option ON poll_votes (option_id, created_at DESC, user_id);

-- Comments and their replies. depth is 0 for a comment on the post, parent's depth + 1 for a
-- reply (at most 2: docs/social.md). A deleted comment keeps its row (and its replies) but shows
-- no text.
CREATE TABLE comments (
    id                 uuid        PRIMARY KEY,
    post_id            uuid        NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_comment_id  uuid        REFERENCES comments (id),
    depth              smallint    NOT NULL DEFAULT 0 CHECK (depth BETWEEN 0 AND 2),
    text               text        NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    entities           jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(entities) = 'array'),
    likes_count        integer     NOT NULL DEFAULT 0 CHECK (likes_count >= 0),
    replies_count      integer     NOT NULL DEFAULT 0 CHECK (replies_count >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    edited_at          timestamptz,
    deleted_at         timestamptz,
    CHECK ((depth = 0) = (parent_comment_id IS NULL))
);
CREATE INDEX comments_of_post ON comments (post_id, created_at, id) WHERE parent_comment_id IS NULL;
CREATE INDEX comments_replies ON comments (parent_comment_id, created_at, id) WHERE parent_comment_id IS NOT NULL;

CREATE TABLE post_likes (
    post_id    uuid        NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);
-- The likers of a post, newest first.
CREATE INDEX post_likes_recent ON post_likes (post_id, created_at DESC, user_id);

CREATE TABLE comment_likes (
    comment_id uuid        NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX comment_likes_recent ON comment_likes (comment_id, created_at DESC, user_id);

CREATE TABLE bookmark_collections (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    description     text        CHECK (length(description) BETWEEN 1 AND 300),
    is_private      boolean     NOT NULL DEFAULT true,
    bookmarks_count integer     NOT NULL DEFAULT 0 CHECK (bookmarks_count >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, id)
);
CREATE UNIQUE INDEX bookmark_collections_name ON bookmark_collections (user_id, lower(name));

-- A user's saved posts, in at most one collection each (none: "All bookmarks" only).
CREATE TABLE bookmarks (
    user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id        uuid        NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    collection_id  uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, post_id),
    FOREIGN KEY (user_id, collection_id) REFERENCES bookmark_collections (user_id, id) ON DELETE SET NULL (collection_id)
);
CREATE INDEX bookmarks_recent ON bookmarks (user_id, created_at DESC, post_id);
CREATE INDEX bookmarks_of_collection ON bookmarks (collection_id, created_at DESC, post_id) WHERE collection_id IS NOT NULL;
