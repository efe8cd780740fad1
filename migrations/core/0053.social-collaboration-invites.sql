-- depends: 0046.social-schema
-- A user's pending collaboration invites, newest first (GET /api/posts/collaborations).
CREATE INDEX post_collaborators_pending ON post_collaborators (user_id, invited_at DESC, post_id DESC)
    WHERE status = 'pending';
