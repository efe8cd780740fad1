-- Collaborative posts' co-authors (docs/social.md, "Collaborative posts"): invites, answers,
-- removals. Every change holds the post's row first (posts.sql lock_post), so the count of
-- co-authors and the publishing of a pending_collaboration post see every other change.

-- name: collab_row(post_id, user_id)^
SELECT post_id, user_id, status, invited_by, invited_at, accepted_at
  FROM post_collaborators WHERE post_id = :post_id AND user_id = :user_id;

-- name: collab_count(post_id)$
-- Co-authors and pending invites together.
SELECT count(*)::integer FROM post_collaborators WHERE post_id = :post_id;

-- name: collab_insert(post_id, user_id, invited_by)$
INSERT INTO post_collaborators (post_id, user_id, invited_by) VALUES (:post_id, :user_id, :invited_by)
    ON CONFLICT (post_id, user_id) DO NOTHING
RETURNING true;

-- name: collab_accept(post_id, user_id)^
UPDATE post_collaborators SET status = 'accepted', accepted_at = now()
 WHERE post_id = :post_id AND user_id = :user_id AND status = 'pending'
RETURNING post_id, user_id, status, invited_by, invited_at, accepted_at;

-- name: collab_delete(post_id, user_id)^
DELETE FROM post_collaborators WHERE post_id = :post_id AND user_id = :user_id
RETURNING post_id, user_id, status, invited_by, invited_at, accepted_at;

-- name: collab_of_post(post_id)
-- A post's co-authors and invites with their public cards: accepted first (in the order they
-- accepted), then the pending ones (in the order they were invited).
SELECT c.user_id, c.status, c.invited_by, c.invited_at, c.accepted_at,
       u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM post_collaborators c JOIN users u ON u.id = c.user_id
 WHERE c.post_id = :post_id
 ORDER BY c.status = 'pending', coalesce(c.accepted_at, c.invited_at), c.user_id;

-- name: collab_pending_of_user(user_id, hidden_user_ids, after_at, after_id, limit)
-- A user's pending invites, newest first, each with its post's beginning and its inviter's
-- card; invites to deleted posts, and from people blocked either way, left out.
SELECT c.post_id, c.invited_at, c.invited_by, p.author_id, p.state, p.visibility, p.text, p.created_at,
       u.id AS inviter_id, u.username AS inviter_username, u.display_name AS inviter_display_name,
       u.avatar_media_id AS inviter_avatar_media_id, u.verified_at AS inviter_verified_at
  FROM post_collaborators c
  JOIN posts p ON p.id = c.post_id
  JOIN users u ON u.id = c.invited_by
 WHERE c.user_id = :user_id AND c.status = 'pending' AND p.state <> 'deleted'
   AND NOT (c.invited_by = ANY(:hidden_user_ids))
   AND (c.invited_at, c.post_id) < (:after_at, :after_id)
 ORDER BY c.invited_at DESC, c.post_id DESC
 LIMIT :limit;
