-- Comments and their replies (domain/social/comments.py). depth: 0 for a comment on the post,
-- the parent's + 1 for a reply (at most 2). A deleted comment keeps its row and its replies.
-- comments_count counts a post's comments and replies that are not deleted; replies_count a
-- comment's direct replies that are not deleted.

-- name: insert_comment(id, post_id, author_id, parent_comment_id, depth, text, entities)^
INSERT INTO comments (id, post_id, author_id, parent_comment_id, depth, text, entities)
VALUES (:id, :post_id, :author_id, :parent_comment_id, :depth, :text, :entities)
RETURNING id, post_id, author_id, parent_comment_id, depth, text, entities, likes_count, replies_count,
          created_at, edited_at, deleted_at;

-- name: comment_by_id(id)^
SELECT c.id, c.post_id, c.author_id, c.parent_comment_id, c.depth, c.text, c.entities, c.likes_count,
       c.replies_count, c.created_at, c.edited_at, c.deleted_at,
       u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM comments c JOIN users u ON u.id = c.author_id
 WHERE c.id = :id;

-- name: lock_comment(id)^
SELECT id, post_id, author_id, parent_comment_id, depth, text, entities, likes_count, replies_count,
       created_at, edited_at, deleted_at
  FROM comments WHERE id = :id FOR UPDATE;

-- name: add_post_comments(id, delta)$
UPDATE posts SET comments_count = comments_count + :delta WHERE id = :id RETURNING comments_count;

-- name: add_comment_replies(id, delta)$
UPDATE comments SET replies_count = replies_count + :delta WHERE id = :id RETURNING replies_count;

-- name: edit_comment(id, text, entities)^
UPDATE comments SET text = :text, entities = :entities, edited_at = now()
 WHERE id = :id
RETURNING id, post_id, author_id, parent_comment_id, depth, text, entities, likes_count, replies_count,
          created_at, edited_at, deleted_at;

-- name: delete_comment(id)^
UPDATE comments SET deleted_at = now()
 WHERE id = :id AND deleted_at IS NULL
RETURNING id, post_id, author_id, parent_comment_id, depth, text, entities, likes_count, replies_count,
          created_at, edited_at, deleted_at;

-- name: comments_page(post_id, hidden, after_at, after_id, limit)
-- A post's comments (not replies), oldest first, without those of people hidden from the viewer
-- by a block (a deleted comment keeps its place).
SELECT c.id, c.post_id, c.author_id, c.parent_comment_id, c.depth, c.text, c.entities, c.likes_count,
       c.replies_count, c.created_at, c.edited_at, c.deleted_at,
       u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM comments c JOIN users u ON u.id = c.author_id
 WHERE c.post_id = :post_id AND c.parent_comment_id IS NULL AND NOT (c.author_id = ANY(:hidden::uuid[]))
   AND (c.created_at, c.id) > (:after_at, :after_id)
 ORDER BY c.created_at, c.id
 LIMIT :limit;

-- name: replies_page(parent_comment_id, hidden, after_at, after_id, limit)
SELECT c.id, c.post_id, c.author_id, c.parent_comment_id, c.depth, c.text, c.entities, c.likes_count,
       c.replies_count, c.created_at, c.edited_at, c.deleted_at,
       u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM comments c JOIN users u ON u.id = c.author_id
 WHERE c.parent_comment_id = :parent_comment_id AND NOT (c.author_id = ANY(:hidden::uuid[]))
   AND (c.created_at, c.id) > (:after_at, :after_id)
 ORDER BY c.created_at, c.id
 LIMIT :limit;
