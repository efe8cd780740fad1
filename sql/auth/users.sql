-- name: insert_user(id, username, display_name, email, phone, password_hash)^
INSERT INTO users (id, username, display_name, email, phone, password_hash)
VALUES (:id, :username, :display_name, :email, :phone, :password_hash)
RETURNING id, username, display_name, email, email_verified_at, phone, phone_verified_at,
          password_hash, roles, status, created_at;

-- name: user_by_id(id)^
SELECT id, username, display_name, email, email_verified_at, phone, phone_verified_at,
       password_hash, roles, status, created_at
  FROM users WHERE id = :id;

-- name: users_by_ids(ids)
SELECT id, username, display_name, email, email_verified_at, phone, phone_verified_at,
       password_hash, roles, status, created_at
  FROM users WHERE id = ANY(:ids);

-- name: user_by_username(username)^
SELECT id, username, display_name, email, email_verified_at, phone, phone_verified_at,
       password_hash, roles, status, created_at
  FROM users WHERE lower(username) = lower(:username);

-- name: user_by_email(email)^
SELECT id, username, display_name, email, email_verified_at, phone, phone_verified_at,
       password_hash, roles, status, created_at
  FROM users WHERE lower(email) = lower(:email);

-- name: user_by_phone(phone)^
SELECT id, username, display_name, email, email_verified_at, phone, phone_verified_at,
       password_hash, roles, status, created_at
  FROM users WHERE phone = :phone;

-- name: set_password(id, password_hash)!
UPDATE users SET password_hash = :password_hash, password_changed_at = now(), updated_at = now() WHERE id = :id;

-- name: upgrade_password_hash(id, old_hash, new_hash)!
UPDATE users SET password_hash = :new_hash WHERE id = :id AND password_hash = :old_hash;

-- name: mark_email_verified(id, email)$
UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
 WHERE id = :id AND lower(email) = lower(:email)
RETURNING true;

-- name: mark_phone_verified(id, phone)$
UPDATE users SET phone_verified_at = coalesce(phone_verified_at, now()), updated_at = now()
 WHERE id = :id AND phone = :phone
RETURNING true;

-- name: password_changed_at(id)$
SELECT password_changed_at FROM users WHERE id = :id;

-- name: set_roles(id, roles)!
UPDATE users SET roles = :roles, updated_at = now() WHERE id = :id;
