-- depends: 0001.platform-outbox
-- Accounts and their credentials. Usernames, emails and phones are unique whatever their
-- letter case; the profile columns of the users area are added by its own migrations.
CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    username            text        NOT NULL CHECK (username ~ '^[A-Za-z0-9_]{3,30}$'),
    display_name        text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 60),
    email               text        CHECK (email IS NULL OR length(email) <= 254),
    email_verified_at   timestamptz,
    phone               text        CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$'),
    phone_verified_at   timestamptz,
    password_hash       text,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    roles               text[]      NOT NULL DEFAULT '{user}'
                                    CHECK (roles <@ ARRAY['user', 'moderator', 'admin']::text[]),
    status              text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_phone_key ON users (phone) WHERE phone IS NOT NULL;

-- A device is what a user logs in from: the same client device id, platform and user agent
-- make the same fingerprint, so a second login from it reuses the device.
CREATE TABLE auth_devices (
    id               uuid PRIMARY KEY,
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fingerprint      text        NOT NULL,
    client_device_id text,
    platform         text        NOT NULL,
    name             text        NOT NULL,
    user_agent       text        NOT NULL DEFAULT '',
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    last_ip          text,
    removed_at       timestamptz,
    UNIQUE (user_id, fingerprint)
);

-- A session is one login on one device: it owns one family of refresh tokens. Redis holds
-- the live copy (auth:session:<id>) that every request checks; this row is the durable one.
CREATE TABLE auth_sessions (
    id             uuid PRIMARY KEY,
    user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id      uuid        NOT NULL REFERENCES auth_devices (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_ip        text,
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX auth_sessions_device ON auth_sessions (device_id) WHERE revoked_at IS NULL;

-- Refresh tokens are stored as SHA-256 hashes and used once; a used one presented again
-- revokes its session (the whole family).
CREATE TABLE auth_refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid        NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens (session_id);

-- Keys that sign access tokens and one-time links. The newest activated key signs; every
-- key not retired verifies, so rotation logs nobody out.
CREATE TABLE auth_signing_keys (
    kid          text PRIMARY KEY,
    algorithm    text        NOT NULL,
    private_pem  text        NOT NULL,
    public_jwk   jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz
);

-- Ids (jti) of single-use signed tokens (email verification, password reset) once used.
CREATE TABLE auth_used_tokens (
    jti      uuid PRIMARY KEY,
    purpose  text        NOT NULL,
    used_at  timestamptz NOT NULL DEFAULT now()
);
