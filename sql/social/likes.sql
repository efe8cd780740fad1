-- Likes of posts and of comments (domain/social/likes.py). A like's row and its counter change
-- in one transaction: the counter moves only when a row was inserted or deleted.

-- name: insert_post_like(post_id, user_id)$
INSERT INTO post_likes (post_id, user_id) VALUES (:post_id, :user_id)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: delete_post_like(post_id, user_id)$
DELETE FROM post_likes WHERE post_id = :post_id AND user_id = :user_id RETURNING true;

-- name: add_post_likes(id, delta)$
UPDATE posts SET likes_count = likes_count + :delta WHERE id = :id RETURNING likes_count;

-- name: post_likes_count(id)$
SELECT likes_count FROM posts WHERE id = :id;

-- name: post_likers_page(post_id, hidden, before_at, before_id, limit)
-- The likers of a post, newest first, without those hidden from the viewer by a block.
SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at, l.created_at AS since
  FROM post_likes l JOIN users u ON u.id = l.user_id
 WHERE l.post_id = :post_id AND NOT (l.user_id = ANY(:hidden::uuid[]))
   AND (l.created_at, l.user_id) < (:before_at, :before_id)
 ORDER BY l.created_at DESC, l.user_id DESC
 LIMIT :limit;

-- name: insert_comment_like(comment_id, user_id)$
INSERT INTO comment_likes (comment_id, user_id) VALUES (:comment_id, :user_id)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: delete_comment_like(comment_id, user_id)$
DELETE FROM comment_likes WHERE comment_id = :comment_id AND user_id = :user_id RETURNING true;

-- name: add_comment_likes(id, delta)$
UPDATE comments SET likes_count = likes_count + :delta WHERE id = :id RETURNING likes_count;

-- name: comment_likes_count(id)$
SELECT likes_count FROM comments WHERE id = :id;

-- name: comment_likers_page(comment_id, hidden, before_at, before_id, limit)
SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at, l.created_at AS since
  FROM comment_likes l JOIN users u ON u.id = l.user_id
 WHERE l.comment_id = :comment_id AND NOT (l.user_id = ANY(:hidden::uuid[]))
   AND (l.created_at, l.user_id) < (:before_at, :before_id)
 ORDER BY l.created_at DESC, l.user_id DESC
 LIMIT :limit;

-- name: comments_liked(viewer_id, ids)
-- Which of some comments the viewer liked.
SELECT comment_id FROM comment_likes WHERE user_id = :viewer_id AND comment_id = ANY(:ids::uuid[]);
