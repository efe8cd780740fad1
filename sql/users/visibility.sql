-- The one visibility answer (nexgate/domain/users/visibility.py): primary-key lookups only.

-- name: relationship(viewer_id, user_id)^
-- Every flag between viewer and user, both ways, in one round trip; no row if the user does not exist.
SELECT * FROM user_relationship(:viewer_id, :user_id);

-- name: visible_authors(viewer_id, author_ids)
-- The authors whose content the viewer may see in a feed, and whether the viewer follows each;
-- a NULL viewer (anonymous) sees public accounts.
SELECT u.id, EXISTS (SELECT 1 FROM user_follows WHERE follower_id = :viewer_id AND followee_id = u.id) AS followed
  FROM users u
 WHERE u.id = ANY(:author_ids::uuid[])
   AND (u.id = :viewer_id
        OR (NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = :viewer_id AND blocked_id = u.id)
            AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = u.id AND blocked_id = :viewer_id)
            AND NOT EXISTS (SELECT 1 FROM user_mutes WHERE muter_id = :viewer_id AND muted_id = u.id)
            AND (NOT u.is_private
                 OR EXISTS (SELECT 1 FROM user_follows WHERE follower_id = :viewer_id AND followee_id = u.id))));

-- name: blocked_either_way(viewer_id)
-- The users the viewer blocked or who blocked the viewer: what a list of many owners (a
-- search) leaves out in its own query. Both indexes of user_blocks serve it.
SELECT blocked_id AS id FROM user_blocks WHERE blocker_id = :viewer_id
 UNION
SELECT blocker_id FROM user_blocks WHERE blocked_id = :viewer_id;

-- name: notice_audience(recipient_id, actor_id)^
-- What the notification service asks before telling the recipient of the actor's deed: the
-- recipient's language, the actor's name, and the recipient's relationship to the actor (the
-- columns of user_relationship; all null without an actor or for an actor who no longer
-- exists), and the recipient's email address and phone once verified (for those channels). No row if
-- the recipient does not exist.
SELECT r.language, CASE WHEN r.email_verified_at IS NOT NULL THEN r.email END AS email,
       CASE WHEN r.phone_verified_at IS NOT NULL THEN r.phone END AS phone,
       a.display_name AS actor_name, rel.*
  FROM users r
  LEFT JOIN users a ON a.id = :actor_id
  LEFT JOIN LATERAL user_relationship(r.id, :actor_id) rel ON a.id IS NOT NULL
 WHERE r.id = :recipient_id;
