-- depends: 0006.users-trust
-- Direct messages (docs/messages.md): conversations, their members, messages with a
-- per-conversation sequence number, reactions, and "deleted for me". Positions (joined, read,
-- delivered, cleared, left) are sequence numbers, so a member's view of a conversation is a
-- range of seq values.

CREATE TABLE conversations (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text        NOT NULL CHECK (kind IN ('direct', 'group')),
    name            text        CHECK (name IS NULL OR length(name) BETWEEN 1 AND 100),
    owner_id        uuid        REFERENCES users (id) ON DELETE SET NULL,
    -- A direct conversation's two users, the smaller id first: one conversation per pair.
    user_low        uuid        REFERENCES users (id) ON DELETE CASCADE,
    user_high       uuid        REFERENCES users (id) ON DELETE CASCADE,
    last_seq        bigint      NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    last_message_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'group' OR (user_low IS NOT NULL AND user_high IS NOT NULL AND user_low < user_high
                              AND name IS NULL)),
    CHECK (kind = 'direct' OR (user_low IS NULL AND user_high IS NULL AND name IS NOT NULL))
);
CREATE UNIQUE INDEX conversations_direct_pair ON conversations (user_low, user_high) WHERE kind = 'direct';

-- A member sees the messages with joined_seq < seq (<= left_seq once they left), after
-- cleared_seq (what they deleted for themselves), not hidden one by one.
CREATE TABLE conversation_members (
    conversation_id uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text        NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    joined_seq      bigint      NOT NULL DEFAULT 0,
    read_seq        bigint      NOT NULL DEFAULT 0,
    delivered_seq   bigint      NOT NULL DEFAULT 0,
    cleared_seq     bigint      NOT NULL DEFAULT 0,
    cleared_at      timestamptz,
    left_seq        bigint,
    left_at         timestamptz,
    muted           boolean     NOT NULL DEFAULT false,
    marked_unread   boolean     NOT NULL DEFAULT false,  -- "mark as unread", until read again
    last_sent_seq   bigint      NOT NULL DEFAULT 0,  -- the seq of the member's latest message (0: none yet)
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id),
    CHECK ((left_seq IS NULL) = (left_at IS NULL)),
    CHECK (read_seq >= 0 AND delivered_seq >= 0 AND cleared_seq >= 0 AND joined_seq >= 0)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation_id);

CREATE TABLE messages (
    id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id   uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq               bigint      NOT NULL CHECK (seq > 0),
    sender_id         uuid        REFERENCES users (id) ON DELETE SET NULL,
    -- The sender's own id for the message: a retried send with the same one is the same message.
    client_id         text        CHECK (client_id IS NULL OR length(client_id) BETWEEN 1 AND 64),
    kind              text        NOT NULL CHECK (kind IN ('text', 'media', 'product')),
    body              text        NOT NULL DEFAULT '' CHECK (length(body) <= 4000),
    entities          jsonb       NOT NULL DEFAULT '[]',
    reply_to_id       uuid        REFERENCES messages (id) ON DELETE SET NULL,
    forwarded         boolean     NOT NULL DEFAULT false,
    product           jsonb,
    media_ids         uuid[]      NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    edited_at         timestamptz,
    deleted_at        timestamptz,
    -- 'simple': no stemming, so Swahili and English text match alike.
    search            tsvector    GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED,
    UNIQUE (conversation_id, seq),
    CHECK (kind <> 'product' OR product IS NOT NULL OR deleted_at IS NOT NULL)
);
CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX messages_search ON messages USING gin (search);
CREATE INDEX messages_reply_to ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;

-- "Delete for me": the message disappears for this member only.
CREATE TABLE message_hides (
    message_id uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, message_id)
);

CREATE TABLE message_reactions (
    message_id uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      text        NOT NULL CHECK (length(emoji) BETWEEN 1 AND 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id, emoji)
);
