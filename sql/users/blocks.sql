-- Blocks and mutes.

-- name: insert_block(blocker_id, blocked_id)$
INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (:blocker_id, :blocked_id)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: delete_block(blocker_id, blocked_id)$
DELETE FROM user_blocks WHERE blocker_id = :blocker_id AND blocked_id = :blocked_id RETURNING true;

-- name: delete_follow_requests_between(a, b)!
DELETE FROM user_follow_requests
 WHERE (requester_id = :a AND target_id = :b) OR (requester_id = :b AND target_id = :a);

-- name: delete_follows_between(a, b)
DELETE FROM user_follows
 WHERE (follower_id = :a AND followee_id = :b) OR (follower_id = :b AND followee_id = :a)
RETURNING follower_id, followee_id;

-- name: insert_mute(muter_id, muted_id)$
INSERT INTO user_mutes (muter_id, muted_id) VALUES (:muter_id, :muted_id)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: delete_mute(muter_id, muted_id)$
DELETE FROM user_mutes WHERE muter_id = :muter_id AND muted_id = :muted_id RETURNING true;

-- name: blocked_page(user_id, before_at, before_id, limit)
SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at, b.created_at AS since
  FROM user_blocks b JOIN users u ON u.id = b.blocked_id
 WHERE b.blocker_id = :user_id
   AND (b.created_at, b.blocked_id) < (:before_at, :before_id)
 ORDER BY b.created_at DESC, b.blocked_id DESC
 LIMIT :limit;

-- name: muted_page(user_id, before_at, before_id, limit)
SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at, m.created_at AS since
  FROM user_mutes m JOIN users u ON u.id = m.muted_id
 WHERE m.muter_id = :user_id
   AND (m.created_at, m.muted_id) < (:before_at, :before_id)
 ORDER BY m.created_at DESC, m.muted_id DESC
 LIMIT :limit;
