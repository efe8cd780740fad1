-- The buyers' address books (docs/commerce.md, "Addresses").

-- name: lock_addresses_of_user(user_id)$
-- Every change to a user's addresses holds this lock for its transaction, so that two at once
-- (two "make default", two first addresses, a delete of the default and a new one) see each other's result.
SELECT pg_advisory_xact_lock(hashtextextended('commerce.addresses:' || CAST(:user_id AS uuid)::text, 0)) IS NOT NULL;

-- name: count_addresses_of_user(user_id)$
SELECT count(*) FROM addresses WHERE user_id = :user_id AND deleted_at IS NULL;

-- name: insert_address(id, user_id, label, country, region, district, ward, street, landmark, recipient_name, phone, is_default)^
INSERT INTO addresses (id, user_id, label, country, region, district, ward, street, landmark, recipient_name, phone,
                       is_default)
VALUES (:id, :user_id, :label, :country, :region, :district, :ward, :street, :landmark, :recipient_name, :phone,
        :is_default)
RETURNING id, user_id, label, country, region, district, ward, street, landmark, recipient_name, phone, is_default,
          created_at, updated_at;

-- name: live_address(id, user_id)^
SELECT id, user_id, label, country, region, district, ward, street, landmark, recipient_name, phone, is_default,
       created_at, updated_at
  FROM addresses
 WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL;

-- name: live_addresses_of_user(user_id)
SELECT id, user_id, label, country, region, district, ward, street, landmark, recipient_name, phone, is_default,
       created_at, updated_at
  FROM addresses
 WHERE user_id = :user_id AND deleted_at IS NULL
 ORDER BY is_default DESC, created_at DESC, id DESC;

-- name: update_address(id, user_id, label, country, region, district, ward, street, landmark, recipient_name, phone)^
UPDATE addresses
   SET label = :label, country = :country, region = :region, district = :district, ward = :ward, street = :street,
       landmark = :landmark, recipient_name = :recipient_name, phone = :phone, updated_at = now()
 WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL
RETURNING id, user_id, label, country, region, district, ward, street, landmark, recipient_name, phone, is_default,
          created_at, updated_at;

-- name: clear_default(user_id)!
UPDATE addresses SET is_default = false WHERE user_id = :user_id AND is_default;

-- name: make_default(id, user_id)$
UPDATE addresses SET is_default = true, updated_at = now()
 WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL
RETURNING true;

-- name: delete_address(id, user_id)$
-- Whether the address deleted was the default (NULL: no such live address of the user's).
UPDATE addresses a SET deleted_at = now(), is_default = false
  FROM (SELECT id, is_default FROM addresses
         WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL) old
 WHERE a.id = old.id
RETURNING old.is_default;

-- name: promote_default(user_id)$
-- The new default after the default was deleted: the most recently added address.
UPDATE addresses SET is_default = true
 WHERE id = (SELECT id FROM addresses WHERE user_id = :user_id AND deleted_at IS NULL
              ORDER BY created_at DESC, id DESC LIMIT 1)
RETURNING id;
