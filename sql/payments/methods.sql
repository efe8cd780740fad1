-- Payment methods: a user's mobile money numbers and the cards checkout tokenised.

-- name: lock_methods_of_user(user_id)$
-- Every change to a user's methods holds this lock for its transaction, so that two changes at
-- once (two first methods, a removal and a new default) see each other's result.
SELECT pg_advisory_xact_lock(hashtextextended('payments.methods:' || CAST(:user_id AS uuid)::text, 0)) IS NOT NULL;

-- name: count_methods_of_user(user_id)$
SELECT count(*) FROM payment_methods WHERE user_id = :user_id AND removed_at IS NULL;

-- name: live_method_with_number(user_id, phone)^
SELECT id, user_id, kind, country, currency, phone, operator, card_brand, card_last4, label, is_default,
       verified_at, verified_by, created_at
  FROM payment_methods
 WHERE user_id = :user_id AND phone = :phone AND kind = 'mobile_money' AND removed_at IS NULL;

-- name: insert_mobile_money(id, user_id, country, currency, phone, operator, label, is_default)^
INSERT INTO payment_methods (id, user_id, kind, country, currency, phone, operator, label, is_default)
VALUES (:id, :user_id, 'mobile_money', :country, :currency, :phone, :operator, :label, :is_default)
RETURNING id, user_id, kind, country, currency, phone, operator, card_brand, card_last4, label, is_default,
          verified_at, verified_by, created_at;

-- name: live_method(id, user_id)^
SELECT id, user_id, kind, country, currency, phone, operator, card_brand, card_last4, label, is_default,
       verified_at, verified_by, created_at
  FROM payment_methods
 WHERE id = :id AND user_id = :user_id AND removed_at IS NULL;

-- name: live_methods_of_user(user_id)
SELECT id, user_id, kind, country, currency, phone, operator, card_brand, card_last4, label, is_default,
       verified_at, verified_by, created_at
  FROM payment_methods
 WHERE user_id = :user_id AND removed_at IS NULL
 ORDER BY is_default DESC, created_at DESC, id DESC;

-- name: clear_default(user_id)!
UPDATE payment_methods SET is_default = false WHERE user_id = :user_id AND is_default;

-- name: make_default(id, user_id)$
UPDATE payment_methods SET is_default = true
 WHERE id = :id AND user_id = :user_id AND removed_at IS NULL
RETURNING true;

-- name: set_label(id, user_id, label)$
UPDATE payment_methods SET label = :label
 WHERE id = :id AND user_id = :user_id AND removed_at IS NULL
RETURNING true;

-- name: remove_method(id, user_id)$
-- Whether the method removed was the default (NULL: no such live method of the user's).
UPDATE payment_methods m SET removed_at = now(), is_default = false
  FROM (SELECT id, is_default FROM payment_methods
         WHERE id = :id AND user_id = :user_id AND removed_at IS NULL) old
 WHERE m.id = old.id
RETURNING old.is_default;

-- name: promote_default(user_id)$
-- The new default after the default was removed: a verified method before an unverified one,
-- then the most recently added.
UPDATE payment_methods SET is_default = true
 WHERE id = (SELECT id FROM payment_methods WHERE user_id = :user_id AND removed_at IS NULL
              ORDER BY verified_at IS NULL, created_at DESC, id DESC LIMIT 1)
RETURNING id;

-- name: mark_verified(id, verified_by)^
-- Verified once: a method already verified (or removed) is left as it is (no row).
UPDATE payment_methods SET verified_at = now(), verified_by = :verified_by
 WHERE id = :id AND verified_at IS NULL AND removed_at IS NULL
RETURNING id, user_id, kind, country, currency, phone, operator, card_brand, card_last4, label, is_default,
          verified_at, verified_by, created_at;
