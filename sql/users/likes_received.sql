-- A user's likes_received_count: the likes of the posts they created (the social area counts
-- them and calls domain/users/likes_received.py; only this area writes users).

-- name: add_likes_received(id, delta)$
UPDATE users SET likes_received_count = likes_received_count + :delta WHERE id = :id RETURNING likes_received_count;

-- name: set_likes_received(ids, counts)
-- Each user's count as the social area recounted it, where it differs; the users it fixed.
WITH actual AS (
    SELECT u.id, u.username, u.likes_received_count AS old_count, a.count AS new_count
      FROM unnest(:ids::uuid[], :counts::int[]) AS a(id, count) JOIN users u ON u.id = a.id
)
UPDATE users u SET likes_received_count = a.new_count
  FROM actual a
 WHERE u.id = a.id AND a.old_count <> a.new_count
RETURNING u.id, a.username, a.old_count, a.new_count;
