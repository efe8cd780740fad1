-- depends: 0002.auth-accounts
-- Sign-in identities at Google, Apple and Facebook. The provider's stable user id (the ID
-- token's sub; Facebook's app-scoped user id) opens exactly one account; email is the
-- address the provider last gave, for support and audit (the account's own email is in users).
CREATE TABLE auth_oauth_identities (
    provider     text        NOT NULL CHECK (provider IN ('google', 'apple', 'facebook')),
    subject      text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email        text        CHECK (email IS NULL OR length(email) <= 254),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);
CREATE INDEX auth_oauth_identities_user ON auth_oauth_identities (user_id);
