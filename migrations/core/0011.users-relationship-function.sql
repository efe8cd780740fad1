-- depends: 0010.media-privacy-derived
-- What lies between a viewer and a user, both ways, defined once: the users area's
-- relationship query reads it, and so does any statement that must check it on the way
-- (a message send checks its one-to-one reach in the query that reads the conversation).
-- A plain SQL function, which the planner inlines into the calling query. No row if the
-- user does not exist; a NULL viewer (anonymous) follows, blocks and mutes no one.
CREATE FUNCTION user_relationship(viewer_id uuid, user_id uuid)
RETURNS TABLE (is_private boolean, show_presence boolean, dm_policy text, following boolean, followed_by boolean,
               requested boolean, blocking boolean, blocked_by boolean, muting boolean)
LANGUAGE sql STABLE AS $$
SELECT u.is_private, u.show_presence, u.dm_policy,
       EXISTS (SELECT 1 FROM user_follows WHERE follower_id = $1 AND followee_id = u.id),
       EXISTS (SELECT 1 FROM user_follows WHERE follower_id = u.id AND followee_id = $1),
       EXISTS (SELECT 1 FROM user_follow_requests WHERE requester_id = $1 AND target_id = u.id),
       EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = $1 AND blocked_id = u.id),
       EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = u.id AND blocked_id = $1),
       EXISTS (SELECT 1 FROM user_mutes WHERE muter_id = $1 AND muted_id = u.id)
  FROM users u
 WHERE u.id = $2
$$;
