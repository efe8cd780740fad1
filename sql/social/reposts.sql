-- Reposts and quotes (domain/social/reposts.py): each is a post row of its own (kind repost or
-- quote) written through the posts' insert; here, what counts and finds them.

-- name: active_repost(author_id, original_post_id)$
SELECT id FROM posts
 WHERE author_id = :author_id AND original_post_id = :original_post_id AND kind = 'repost' AND state <> 'deleted';

-- name: lock_active_repost(author_id, original_post_id)$
SELECT id FROM posts
 WHERE author_id = :author_id AND original_post_id = :original_post_id AND kind = 'repost' AND state <> 'deleted'
   FOR UPDATE;

-- name: delete_repost(id)$
UPDATE posts SET state = 'deleted', deleted_at = now(), updated_at = now()
 WHERE id = :id AND state <> 'deleted'
RETURNING true;

-- name: add_post_reposts(id, delta)$
UPDATE posts SET reposts_count = reposts_count + :delta WHERE id = :id RETURNING reposts_count;

-- name: add_post_quotes(id, delta)$
UPDATE posts SET quotes_count = quotes_count + :delta WHERE id = :id RETURNING quotes_count;

-- name: reposts_page(original_post_id, hidden, before_at, before_id, limit)
-- A post's published reposts and quotes, newest first, without those of people hidden from the
-- viewer by a block.
SELECT id, published_at FROM posts
 WHERE original_post_id = :original_post_id AND state = 'published'
   AND NOT (author_id = ANY(:hidden::uuid[]))
   AND (published_at, id) < (:before_at, :before_id)
 ORDER BY published_at DESC, id DESC
 LIMIT :limit;
