-- name: oauth_use_identity(provider, subject, email)$
-- The account an identity opens, noting the sign-in and the address the provider gave this time.
UPDATE auth_oauth_identities SET email = :email, last_used_at = now()
 WHERE provider = :provider AND subject = :subject
RETURNING user_id;

-- name: oauth_insert_identity(provider, subject, user_id, email)$
INSERT INTO auth_oauth_identities (provider, subject, user_id, email)
VALUES (:provider, :subject, :user_id, :email)
ON CONFLICT (provider, subject) DO NOTHING
RETURNING true;

-- name: oauth_insert_user(id, username, display_name, email, email_verified)^
INSERT INTO users (id, username, display_name, email, email_verified_at, password_hash)
VALUES (:id, :username, :display_name, :email, CASE WHEN :email_verified THEN now() END, NULL)
RETURNING id, username, display_name, email, email_verified_at, phone, phone_verified_at,
          password_hash, roles, status, created_at;

-- name: oauth_usernames_taken(names)
-- Which of the candidate usernames (lower-cased) are taken, whatever their letter case.
SELECT lower(username) AS username FROM users WHERE lower(username) = ANY(:names);
