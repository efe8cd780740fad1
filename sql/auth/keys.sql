-- name: lock_signing_keys()!
SELECT pg_advisory_xact_lock(hashtext('auth_signing_keys'));

-- name: live_signing_keys()
SELECT kid, algorithm, private_pem, public_jwk, created_at
  FROM auth_signing_keys WHERE retired_at IS NULL ORDER BY created_at;

-- name: all_signing_keys()
SELECT kid, algorithm, created_at, retired_at FROM auth_signing_keys ORDER BY created_at;

-- name: insert_signing_key(kid, algorithm, private_pem, public_jwk)!
INSERT INTO auth_signing_keys (kid, algorithm, private_pem, public_jwk)
VALUES (:kid, :algorithm, :private_pem, :public_jwk);

-- name: retire_signing_key(kid)$
UPDATE auth_signing_keys SET retired_at = now() WHERE kid = :kid AND retired_at IS NULL RETURNING kid;

-- name: use_link_token(jti, purpose)$
INSERT INTO auth_used_tokens (jti, purpose) VALUES (:jti, :purpose) ON CONFLICT DO NOTHING RETURNING true;
