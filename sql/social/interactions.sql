-- The posts that likes, comments, reposts, quotes and bookmarks act on (domain/social/targets.py).

-- name: interaction_post(id)^
-- A post with its authors (its creator first, then its accepted co-authors, by when they
-- accepted) and the products it features (its embeds, in order).
SELECT p.id, p.author_id, p.kind, p.state, p.visibility, p.original_post_id, p.text,
       p.likes_count, p.comments_count, p.reposts_count, p.quotes_count, p.bookmarks_count,
       ARRAY(SELECT c.user_id FROM post_collaborators c
              WHERE c.post_id = p.id AND c.status = 'accepted' ORDER BY c.accepted_at, c.user_id) AS co_author_ids,
       ARRAY(SELECT e.product_id FROM post_embeds e
              WHERE e.post_id = p.id AND e.product_id IS NOT NULL ORDER BY e.position) AS product_ids
  FROM posts p
 WHERE p.id = :id;

-- name: post_counters(ids)
-- The counters of some posts (the live frames, the answers of an action).
SELECT id, likes_count, comments_count, reposts_count, quotes_count, bookmarks_count
  FROM posts WHERE id = ANY(:ids::uuid[]);

-- name: lock_post_for_comments(id)$
-- Taken first by whatever changes a post's comments (a comment's deletion takes it before the
-- comment's row, as a reply's creation does before its parent's), so no two wait on each other.
SELECT id FROM posts WHERE id = :id FOR UPDATE;
