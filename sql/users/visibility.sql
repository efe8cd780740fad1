-- The one visibility answer (nexgate/domain/users/visibility.py): primary-key lookups only.

-- name: relationship(viewer_id, user_id)^
-- Every flag between viewer and user, both ways, in one round trip; no row if the user does not exist.
SELECT * FROM user_relationship(:viewer_id, :user_id);

-- name: visible_authors(viewer_id, author_ids)
-- The authors whose content the viewer may see in a feed; a NULL viewer (anonymous) sees public accounts.
SELECT u.id
  FROM users u
 WHERE u.id = ANY(:author_ids::uuid[])
   AND (u.id = :viewer_id
        OR (NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = :viewer_id AND blocked_id = u.id)
            AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = u.id AND blocked_id = :viewer_id)
            AND NOT EXISTS (SELECT 1 FROM user_mutes WHERE muter_id = :viewer_id AND muted_id = u.id)
            AND (NOT u.is_private
                 OR EXISTS (SELECT 1 FROM user_follows WHERE follower_id = :viewer_id AND followee_id = u.id))));
