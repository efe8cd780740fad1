-- Who follows whom, as the feeds of other areas need it (nexgate/domain/users/audience.py):
-- plain id lists and counts, no profiles.

-- name: follower_ids_after(user_id, after_at, after_id, batch)
-- The user's followers, a batch at a time, newest first on the order of user_follows_followers
-- (a fan-out walks a big audience in chunks with the last row's key).
SELECT follower_id, created_at
  FROM user_follows
 WHERE followee_id = :user_id AND (created_at, follower_id) < (:after_at, :after_id)
 ORDER BY created_at DESC, follower_id DESC
 LIMIT :batch;

-- name: following_ids(user_id)
-- Every account the user follows.
SELECT followee_id FROM user_follows WHERE follower_id = :user_id;

-- name: followed_among(user_id, ids)
-- Which of ids the user follows (primary-key lookups).
SELECT followee_id FROM user_follows WHERE follower_id = :user_id AND followee_id = ANY(:ids::uuid[]);

-- name: followed_with_followers_over(user_id, threshold)
-- The accounts the user follows that have more than threshold followers.
SELECT u.id
  FROM user_follows f JOIN users u ON u.id = f.followee_id
 WHERE f.follower_id = :user_id AND u.followers_count > :threshold;

-- name: followers_counts(ids)
SELECT id, followers_count FROM users WHERE id = ANY(:ids::uuid[]);
