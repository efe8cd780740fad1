-- A user's content counters, likes_received_count (the likes of the posts they created) and
-- posts_count (the posts they published or co-author): the social area counts them and calls
-- domain/users/content_counts.py; only this area writes users.

-- name: add_likes_received(id, delta)$
UPDATE users SET likes_received_count = likes_received_count + :delta WHERE id = :id RETURNING likes_received_count;

-- name: set_content_counts(ids, likes_received, posts)
-- Each user's likes_received_count and posts_count as the social area recounted them, where
-- either differs; the users it fixed, with both counts before and after.
WITH actual AS (
    SELECT u.id, u.likes_received_count AS old_likes_received, a.likes_received,
           u.posts_count AS old_posts, a.posts
      FROM unnest(:ids::uuid[], :likes_received::int[], :posts::int[]) AS a(id, likes_received, posts)
      JOIN users u ON u.id = a.id
)
UPDATE users u SET likes_received_count = a.likes_received, posts_count = a.posts
  FROM actual a
 WHERE u.id = a.id AND (a.old_likes_received, a.old_posts) IS DISTINCT FROM (a.likes_received, a.posts)
RETURNING u.id, a.old_likes_received, a.likes_received, a.old_posts, a.posts;
