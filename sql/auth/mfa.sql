-- name: mfa_totp(user_id)^
SELECT secret, enabled_at, last_used_step FROM auth_mfa_totp WHERE user_id = :user_id;

-- name: mfa_put_pending_totp(user_id, secret)$
-- A new pending secret, replacing one not yet confirmed; nothing (NULL) if TOTP is enabled.
INSERT INTO auth_mfa_totp (user_id, secret) VALUES (:user_id, :secret)
ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_used_step = NULL
 WHERE auth_mfa_totp.enabled_at IS NULL
RETURNING true;

-- name: mfa_enable_totp(user_id, secret, step)$
-- Only the pending secret the code was checked against: a newer enrolment wins over it.
UPDATE auth_mfa_totp SET enabled_at = now(), last_used_step = :step
 WHERE user_id = :user_id AND secret = :secret AND enabled_at IS NULL
RETURNING true;

-- name: mfa_use_totp_step(user_id, step)$
-- Accept a step only if it is later than the last one accepted (no replay, even concurrently).
UPDATE auth_mfa_totp SET last_used_step = :step
 WHERE user_id = :user_id AND enabled_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < :step)
RETURNING true;

-- name: mfa_delete_totp(user_id)$
DELETE FROM auth_mfa_totp WHERE user_id = :user_id AND enabled_at IS NOT NULL RETURNING true;

-- name: mfa_insert_recovery_codes(user_id, code_hashes)!
INSERT INTO auth_mfa_recovery_codes (user_id, code_hash)
SELECT :user_id, code_hash FROM unnest(:code_hashes::bytea[]) AS code_hash;

-- name: mfa_use_recovery_code(user_id, code_hash)^
-- spent: this call used the code; known: the user has (or had) such a code, used or not.
WITH spent AS (
    UPDATE auth_mfa_recovery_codes SET used_at = now()
     WHERE user_id = :user_id AND code_hash = :code_hash AND used_at IS NULL
    RETURNING true
)
SELECT EXISTS (SELECT 1 FROM spent) AS spent,
       EXISTS (SELECT 1 FROM auth_mfa_recovery_codes WHERE user_id = :user_id AND code_hash = :code_hash) AS known;

-- name: mfa_recovery_codes_left(user_id)$
SELECT count(*) FROM auth_mfa_recovery_codes WHERE user_id = :user_id AND used_at IS NULL;

-- name: mfa_delete_recovery_codes(user_id)!
DELETE FROM auth_mfa_recovery_codes WHERE user_id = :user_id;
