-- depends: 0007.media
-- Resumable uploads (docs/media.md): a file sent in pieces over as many requests as a mobile
-- connection needs. Each piece is stored as a part object; the upload becomes a media when
-- its last byte arrives. Unfinished uploads expire and are swept with their parts.

CREATE TABLE media_uploads (
    id              uuid        PRIMARY KEY,
    owner_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose         text        NOT NULL CHECK (purpose IN ('post', 'product', 'event', 'message', 'avatar', 'cover')),
    filename        text        CHECK (filename IS NULL OR length(filename) <= 255),
    size_bytes      bigint      NOT NULL CHECK (size_bytes > 0),
    received_bytes  bigint      NOT NULL DEFAULT 0 CHECK (received_bytes BETWEEN 0 AND size_bytes),
    media_id        uuid        REFERENCES media (id) ON DELETE SET NULL,
    completed_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX media_uploads_open ON media_uploads (owner_id) WHERE completed_at IS NULL;
CREATE INDEX media_uploads_expiry ON media_uploads (expires_at);

-- One row per piece received, at the offset it starts at; a piece sent twice is stored once.
CREATE TABLE media_upload_parts (
    upload_id       uuid        NOT NULL REFERENCES media_uploads (id) ON DELETE CASCADE,
    offset_bytes    bigint      NOT NULL CHECK (offset_bytes >= 0),
    length_bytes    bigint      NOT NULL CHECK (length_bytes > 0),
    key             text        NOT NULL,
    PRIMARY KEY (upload_id, offset_bytes)
);
