-- Follows and follow requests. Lists page newest first on (created_at, other side's id), the
-- order of their indexes; the first page starts before the greatest possible key.

-- name: insert_follow(follower_id, followee_id)$
INSERT INTO user_follows (follower_id, followee_id) VALUES (:follower_id, :followee_id)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: delete_follow(follower_id, followee_id)$
DELETE FROM user_follows WHERE follower_id = :follower_id AND followee_id = :followee_id RETURNING true;

-- name: adjust_follow_counts(follower_id, followee_id, delta)!
UPDATE users
   SET following_count = following_count + CASE WHEN id = :follower_id THEN :delta ELSE 0 END,
       followers_count = followers_count + CASE WHEN id = :followee_id THEN :delta ELSE 0 END
 WHERE id IN (:follower_id, :followee_id);

-- name: insert_follow_request(requester_id, target_id)$
INSERT INTO user_follow_requests (requester_id, target_id) VALUES (:requester_id, :target_id)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: delete_follow_request(requester_id, target_id)$
DELETE FROM user_follow_requests WHERE requester_id = :requester_id AND target_id = :target_id RETURNING true;

-- name: pending_requester_ids(target_id)
SELECT requester_id FROM user_follow_requests WHERE target_id = :target_id;

-- name: accept_all_follow_requests(target_id)
-- Every pending request becomes a follow; the requesters' following counts go up here, the
-- target's followers count by the number of rows returned.
WITH accepted AS (
    DELETE FROM user_follow_requests WHERE target_id = :target_id RETURNING requester_id
), inserted AS (
    INSERT INTO user_follows (follower_id, followee_id)
    SELECT requester_id, :target_id FROM accepted
    ON CONFLICT DO NOTHING
    RETURNING follower_id
), counted AS (
    UPDATE users SET following_count = following_count + 1
     WHERE id IN (SELECT follower_id FROM inserted)
    RETURNING id
)
SELECT id AS follower_id FROM counted;

-- name: add_followers_count(id, delta)!
UPDATE users SET followers_count = followers_count + :delta WHERE id = :id;

-- name: followers_page(user_id, viewer_id, before_at, before_id, limit)
SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at, f.created_at AS since
  FROM user_follows f JOIN users u ON u.id = f.follower_id
 WHERE f.followee_id = :user_id
   AND (f.created_at, f.follower_id) < (:before_at, :before_id)
   AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = :viewer_id AND blocked_id = u.id)
   AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = u.id AND blocked_id = :viewer_id)
 ORDER BY f.created_at DESC, f.follower_id DESC
 LIMIT :limit;

-- name: following_page(user_id, viewer_id, before_at, before_id, limit)
SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at, f.created_at AS since
  FROM user_follows f JOIN users u ON u.id = f.followee_id
 WHERE f.follower_id = :user_id
   AND (f.created_at, f.followee_id) < (:before_at, :before_id)
   AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = :viewer_id AND blocked_id = u.id)
   AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = u.id AND blocked_id = :viewer_id)
 ORDER BY f.created_at DESC, f.followee_id DESC
 LIMIT :limit;

-- name: follow_requests_page(target_id, before_at, before_id, limit)
SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at, r.created_at AS since
  FROM user_follow_requests r JOIN users u ON u.id = r.requester_id
 WHERE r.target_id = :target_id
   AND (r.created_at, r.requester_id) < (:before_at, :before_id)
 ORDER BY r.created_at DESC, r.requester_id DESC
 LIMIT :limit;

-- name: lock_user_ids_after(after_id, batch)
SELECT id FROM users WHERE id > :after_id ORDER BY id LIMIT :batch FOR NO KEY UPDATE;

-- name: reconcile_follow_counts(ids)
-- Run after lock_user_ids_after in the same transaction: this statement's snapshot then sees
-- every follow committed before the locks were granted, and none can change the rows meanwhile.
WITH actual AS (
    SELECT u.id, u.followers_count AS old_followers, u.following_count AS old_following,
           (SELECT count(*) FROM user_follows WHERE followee_id = u.id)::int AS followers,
           (SELECT count(*) FROM user_follows WHERE follower_id = u.id)::int AS following
      FROM users u
     WHERE u.id = ANY(:ids::uuid[])
)
UPDATE users u
   SET followers_count = a.followers, following_count = a.following
  FROM actual a
 WHERE u.id = a.id AND (a.old_followers <> a.followers OR a.old_following <> a.following)
RETURNING u.id, u.username, a.old_followers, a.followers, a.old_following, a.following;
