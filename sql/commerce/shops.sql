-- Shops, their delivery fees and their staff (docs/commerce.md).

-- name: lock_shops_of_owner(owner_id)$
-- Opening a shop holds this lock for its transaction, so that two opened at once both count
-- against the owner's cap.
SELECT pg_advisory_xact_lock(hashtextextended('commerce.shops:' || CAST(:owner_id AS uuid)::text, 0)) IS NOT NULL;

-- name: count_shops_of_owner(owner_id)$
SELECT count(*) FROM shops WHERE owner_id = :owner_id;

-- name: insert_shop(id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email, currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy)^
INSERT INTO shops (id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone,
                   email, currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy)
VALUES (:id, :owner_id, :handle, :name, :description, :logo_media_id, :cover_media_id, :region, :city, :phone,
        :email, :currency, :pickup, :pickup_note, :delivery, :delivery_default_fee, :return_policy)
RETURNING id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
          currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
          state_changed_at, created_at, updated_at;

-- name: shop_by_id(id)^
SELECT id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
       currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
       state_changed_at, created_at, updated_at
  FROM shops WHERE id = :id;

-- name: shop_by_handle(handle)^
-- Any letter case names the shop (the unique index on lower(handle) serves it).
SELECT id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
       currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
       state_changed_at, created_at, updated_at
  FROM shops WHERE lower(handle) = lower(:handle);

-- name: shops_by_handles(handles)
SELECT id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
       currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
       state_changed_at, created_at, updated_at
  FROM shops WHERE lower(handle) = ANY (CAST(:handles AS text[]));

-- name: lock_shop(id)^
SELECT id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
       currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
       state_changed_at, created_at, updated_at
  FROM shops WHERE id = :id FOR UPDATE;

-- name: update_shop(id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email, currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy)^
UPDATE shops
   SET handle = :handle, name = :name, description = :description, logo_media_id = :logo_media_id,
       cover_media_id = :cover_media_id, region = :region, city = :city, phone = :phone, email = :email,
       currency = :currency, pickup = :pickup, pickup_note = :pickup_note, delivery = :delivery,
       delivery_default_fee = :delivery_default_fee, return_policy = :return_policy, updated_at = now()
 WHERE id = :id
RETURNING id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
          currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
          state_changed_at, created_at, updated_at;

-- name: shop_has_products(shop_id)$
SELECT EXISTS (SELECT 1 FROM products WHERE shop_id = :shop_id);

-- name: set_state(id, state, suspended_reason)^
UPDATE shops SET state = :state, suspended_reason = :suspended_reason, state_changed_at = now(), updated_at = now()
 WHERE id = :id
RETURNING id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
          currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
          state_changed_at, created_at, updated_at;

-- name: delivery_fees(shop_id)
SELECT region, fee FROM shop_delivery_fees WHERE shop_id = :shop_id ORDER BY position;

-- name: delivery_fees_of_shops(shop_ids)
SELECT shop_id, region, fee FROM shop_delivery_fees WHERE shop_id = ANY (CAST(:shop_ids AS uuid[]))
 ORDER BY shop_id, position;

-- name: delete_delivery_fees(shop_id)!
DELETE FROM shop_delivery_fees WHERE shop_id = :shop_id;

-- name: insert_delivery_fees(shop_id, regions, fees)!
INSERT INTO shop_delivery_fees (shop_id, region, fee, position)
SELECT :shop_id, region, fee, position - 1
  FROM unnest(CAST(:regions AS text[]), CAST(:fees AS bigint[])) WITH ORDINALITY AS f (region, fee, position);

-- name: shops_of_owner_page(owner_id, before_at, before_id, limit)
-- The owner's shops others may see (not suspended), newest first.
SELECT id, owner_id, handle, name, description, logo_media_id, cover_media_id, region, city, phone, email,
       currency, pickup, pickup_note, delivery, delivery_default_fee, return_policy, state, suspended_reason,
       state_changed_at, created_at, updated_at
  FROM shops
 WHERE owner_id = :owner_id AND state <> 'suspended' AND (created_at, id) < (:before_at, :before_id)
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- staff

-- name: insert_staff(shop_id, user_id, role, added_by)^
-- NULL: the user is on the shop's staff already.
INSERT INTO shop_staff (shop_id, user_id, role, added_by) VALUES (:shop_id, :user_id, :role, :added_by)
ON CONFLICT (shop_id, user_id) DO NOTHING
RETURNING shop_id, user_id, role, added_by, created_at;

-- name: staff_role(shop_id, user_id)$
SELECT role FROM shop_staff WHERE shop_id = :shop_id AND user_id = :user_id;

-- name: staff_member(shop_id, user_id)^
SELECT s.shop_id, s.user_id, s.role, s.added_by, s.created_at,
       u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM shop_staff s JOIN users u ON u.id = s.user_id
 WHERE s.shop_id = :shop_id AND s.user_id = :user_id;

-- name: staff_of_shop(shop_id)
-- The owner first, then the managers in the order they were added.
SELECT s.shop_id, s.user_id, s.role, s.added_by, s.created_at,
       u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM shop_staff s JOIN users u ON u.id = s.user_id
 WHERE s.shop_id = :shop_id
 ORDER BY s.role = 'owner' DESC, s.created_at, s.user_id;

-- name: staff_ids(shop_id)
SELECT user_id FROM shop_staff WHERE shop_id = :shop_id ORDER BY user_id;

-- name: count_managers(shop_id)$
SELECT count(*) FROM shop_staff WHERE shop_id = :shop_id AND role = 'manager';

-- name: delete_manager(shop_id, user_id)$
DELETE FROM shop_staff WHERE shop_id = :shop_id AND user_id = :user_id AND role = 'manager' RETURNING true;

-- name: shops_of_staff_page(user_id, before_at, before_id, limit)
-- The shops the user acts for, with their role, the most recently joined first.
SELECT sh.id, sh.owner_id, sh.handle, sh.name, sh.description, sh.logo_media_id, sh.cover_media_id, sh.region,
       sh.city, sh.phone, sh.email, sh.currency, sh.pickup, sh.pickup_note, sh.delivery, sh.delivery_default_fee,
       sh.return_policy, sh.state, sh.suspended_reason, sh.state_changed_at, sh.created_at, sh.updated_at,
       s.role, s.created_at AS joined_at
  FROM shop_staff s JOIN shops sh ON sh.id = s.shop_id
 WHERE s.user_id = :user_id AND (s.created_at, s.shop_id) < (:before_at, :before_id)
 ORDER BY s.created_at DESC, s.shop_id DESC
 LIMIT :limit;
