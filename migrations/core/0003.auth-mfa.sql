-- depends: 0002.auth-accounts
-- Two-step login with a TOTP app (RFC 6238). A secret is pending until the user proves their
-- app has it (enabled_at set). last_used_step is the last time step whose code was accepted:
-- a code of that step or an older one is refused, so an overheard code cannot be replayed.
-- The secret is stored as is for now; encrypting it with a server key is a planned follow-up.
CREATE TABLE auth_mfa_totp (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret         text        NOT NULL CHECK (secret ~ '^[A-Z2-7]{32}$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    enabled_at     timestamptz,
    last_used_step bigint
);

-- One-time recovery codes, stored as SHA-256 of the code (80 random bits each); a used code
-- keeps its row (used_at) until the set is regenerated or MFA is turned off.
CREATE TABLE auth_mfa_recovery_codes (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea       NOT NULL CHECK (length(code_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
