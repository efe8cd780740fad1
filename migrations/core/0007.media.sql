-- depends: 0006.users-trust
-- The media area: every uploaded image or video (docs/media.md). The stored objects live in the
-- media storage (local disk or S3); a row holds their keys, never their bytes.

CREATE TABLE media (
    id              uuid        PRIMARY KEY,
    owner_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose         text        NOT NULL CHECK (purpose IN ('post', 'product', 'event', 'message', 'avatar', 'cover')),
    kind            text        NOT NULL CHECK (kind IN ('image', 'video')),
    source_format   text        NOT NULL CHECK (source_format IN ('jpeg', 'png', 'webp', 'mp4', 'mov')),
    status          text        NOT NULL CHECK (status IN ('uploaded', 'processing', 'ready', 'failed')),
    is_private      boolean     NOT NULL,
    original_name   text        CHECK (original_name IS NULL OR length(original_name) <= 255),
    size_bytes      bigint      NOT NULL CHECK (size_bytes > 0),
    -- The upload itself, kept only until a video is transcoded; images never keep theirs.
    source_key      text,
    width           integer     CHECK (width > 0),
    height          integer     CHECK (height > 0),
    duration_ms     integer     CHECK (duration_ms >= 0),
    blurhash        text,
    -- [{name, format, key, width, height, bytes}]: image variants, or a video's renditions.
    variants        jsonb       NOT NULL DEFAULT '[]',
    -- A video's poster frame: {width, height, blurhash, variants: [...]}.
    poster          jsonb,
    failure_code    text,
    failure_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz,
    deleted_at      timestamptz,
    CHECK ((status = 'failed') = (failure_code IS NOT NULL)),
    CHECK (status <> 'ready' OR (width IS NOT NULL AND height IS NOT NULL AND blurhash IS NOT NULL))
);
-- An owner's media, newest first.
CREATE INDEX media_owner ON media (owner_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
