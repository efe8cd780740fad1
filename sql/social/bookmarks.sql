-- Bookmarks and their collections (domain/social/bookmarks.py): only their owner reads or
-- changes them. posts.bookmarks_count and bookmark_collections.bookmarks_count change in the
-- transaction of the bookmark that moves them.

-- name: insert_bookmark(user_id, post_id, collection_id)^
INSERT INTO bookmarks (user_id, post_id, collection_id) VALUES (:user_id, :post_id, :collection_id)
ON CONFLICT DO NOTHING
RETURNING user_id, post_id, collection_id, created_at;

-- name: lock_bookmark(user_id, post_id)^
SELECT user_id, post_id, collection_id, created_at FROM bookmarks
 WHERE user_id = :user_id AND post_id = :post_id FOR UPDATE;

-- name: delete_bookmark(user_id, post_id)^
DELETE FROM bookmarks WHERE user_id = :user_id AND post_id = :post_id
RETURNING user_id, post_id, collection_id, created_at;

-- name: move_bookmark(user_id, post_id, collection_id)^
UPDATE bookmarks SET collection_id = :collection_id WHERE user_id = :user_id AND post_id = :post_id
RETURNING user_id, post_id, collection_id, created_at;

-- name: add_post_bookmarks(id, delta)$
UPDATE posts SET bookmarks_count = bookmarks_count + :delta WHERE id = :id RETURNING bookmarks_count;

-- name: add_collection_bookmarks(id, delta)$
UPDATE bookmark_collections SET bookmarks_count = bookmarks_count + :delta WHERE id = :id RETURNING bookmarks_count;

-- name: bookmarks_page(user_id, collection_id, before_at, before_id, limit)
-- The user's bookmarks, newest first; of one collection when collection_id is given.
SELECT user_id, post_id, collection_id, created_at FROM bookmarks
 WHERE user_id = :user_id AND (:collection_id::uuid IS NULL OR collection_id = :collection_id)
   AND (created_at, post_id) < (:before_at, :before_id)
 ORDER BY created_at DESC, post_id DESC
 LIMIT :limit;

-- name: insert_collection(id, user_id, name, description, is_private)^
INSERT INTO bookmark_collections (id, user_id, name, description, is_private)
VALUES (:id, :user_id, :name, :description, :is_private)
RETURNING id, user_id, name, description, is_private, bookmarks_count, created_at, updated_at;

-- name: collection_of(id, user_id)^
SELECT id, user_id, name, description, is_private, bookmarks_count, created_at, updated_at
  FROM bookmark_collections WHERE id = :id AND user_id = :user_id;

-- name: lock_collection_of(id, user_id)^
SELECT id, user_id, name, description, is_private, bookmarks_count, created_at, updated_at
  FROM bookmark_collections WHERE id = :id AND user_id = :user_id FOR UPDATE;

-- name: update_collection(id, name, description, is_private)^
UPDATE bookmark_collections
   SET name = :name, description = :description, is_private = :is_private, updated_at = now()
 WHERE id = :id
RETURNING id, user_id, name, description, is_private, bookmarks_count, created_at, updated_at;

-- name: delete_collection(id)$
-- Its bookmarks stay, in no collection (the foreign key sets their collection_id to null).
DELETE FROM bookmark_collections WHERE id = :id RETURNING true;

-- name: collections_page(user_id, after_at, after_id, limit)
-- The user's collections, oldest first.
SELECT id, user_id, name, description, is_private, bookmarks_count, created_at, updated_at
  FROM bookmark_collections
 WHERE user_id = :user_id AND (created_at, id) > (:after_at, :after_id)
 ORDER BY created_at, id
 LIMIT :limit;
