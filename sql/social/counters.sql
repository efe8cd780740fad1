-- The reconcile command's recount (domain/social/counters.py): each batch's rows are locked
-- first, in the same transaction, so that this statement's snapshot sees every action committed
-- before the locks were granted and none changes the rows meanwhile.

-- name: lock_post_ids_after(after, limit)
SELECT id FROM posts WHERE id > :after ORDER BY id LIMIT :limit FOR UPDATE;

-- name: reconcile_post_counts(ids)
WITH actual AS (
    SELECT p.id, p.likes_count AS old_likes, p.comments_count AS old_comments, p.reposts_count AS old_reposts,
           p.quotes_count AS old_quotes, p.bookmarks_count AS old_bookmarks,
           (SELECT count(*) FROM post_likes l WHERE l.post_id = p.id)::int AS likes,
           (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL)::int AS comments,
           (SELECT count(*) FROM posts r WHERE r.original_post_id = p.id AND r.kind = 'repost'
               AND r.state = 'published')::int AS reposts,
           (SELECT count(*) FROM posts q WHERE q.original_post_id = p.id AND q.kind = 'quote'
               AND q.state = 'published')::int AS quotes,
           (SELECT count(*) FROM bookmarks b WHERE b.post_id = p.id)::int AS bookmarks
      FROM posts p
     WHERE p.id = ANY(:ids::uuid[])
)
UPDATE posts p
   SET likes_count = a.likes, comments_count = a.comments, reposts_count = a.reposts, quotes_count = a.quotes,
       bookmarks_count = a.bookmarks
  FROM actual a
 WHERE p.id = a.id AND (a.old_likes, a.old_comments, a.old_reposts, a.old_quotes, a.old_bookmarks)
                       IS DISTINCT FROM (a.likes, a.comments, a.reposts, a.quotes, a.bookmarks)
RETURNING p.id, a.old_likes, a.likes, a.old_comments, a.comments, a.old_reposts, a.reposts, a.old_quotes, a.quotes,
          a.old_bookmarks, a.bookmarks;

-- name: lock_comment_ids_after(after, limit)
SELECT id FROM comments WHERE id > :after ORDER BY id LIMIT :limit FOR UPDATE;

-- name: reconcile_comment_counts(ids)
WITH actual AS (
    SELECT c.id, c.likes_count AS old_likes, c.replies_count AS old_replies,
           (SELECT count(*) FROM comment_likes l WHERE l.comment_id = c.id)::int AS likes,
           (SELECT count(*) FROM comments r WHERE r.parent_comment_id = c.id AND r.deleted_at IS NULL)::int AS replies
      FROM comments c
     WHERE c.id = ANY(:ids::uuid[])
)
UPDATE comments c
   SET likes_count = a.likes, replies_count = a.replies
  FROM actual a
 WHERE c.id = a.id AND (a.old_likes, a.old_replies) IS DISTINCT FROM (a.likes, a.replies)
RETURNING c.id, a.old_likes, a.likes, a.old_replies, a.replies;

-- name: lock_collection_ids_after(after, limit)
SELECT id FROM bookmark_collections WHERE id > :after ORDER BY id LIMIT :limit FOR UPDATE;

-- name: reconcile_collection_counts(ids)
WITH actual AS (
    SELECT k.id, k.bookmarks_count AS old_bookmarks,
           (SELECT count(*) FROM bookmarks b WHERE b.collection_id = k.id)::int AS bookmarks
      FROM bookmark_collections k
     WHERE k.id = ANY(:ids::uuid[])
)
UPDATE bookmark_collections k
   SET bookmarks_count = a.bookmarks
  FROM actual a
 WHERE k.id = a.id AND a.old_bookmarks <> a.bookmarks
RETURNING k.id, a.old_bookmarks, a.bookmarks;

-- name: user_content_counts(ids)
-- Each of some users' content counters: the likes of the posts they created (likes_received),
-- and the published posts they created or co-author (posts).
SELECT u.id,
       (SELECT count(*) FROM post_likes l JOIN posts p ON p.id = l.post_id WHERE p.author_id = u.id)::int
           AS likes_received,
       ((SELECT count(*) FROM posts p WHERE p.author_id = u.id AND p.state = 'published')
        + (SELECT count(*) FROM post_collaborators c JOIN posts p ON p.id = c.post_id
            WHERE c.user_id = u.id AND c.status = 'accepted' AND p.state = 'published'))::int AS posts
  FROM unnest(:ids::uuid[]) AS u(id);
