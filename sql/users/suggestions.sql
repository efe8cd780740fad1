-- Suggested users (docs/trust.md#suggestions). Bounded for big graphs: only the viewer's most
-- recent :sample followees are walked, :per_followee of each one's most recent follows, and the
-- viewer's :sample most recent followers; the exclusions are small hashed sets of the viewer's.

-- name: suggested_users(viewer_id, sample, per_followee, limit)
WITH followees AS (
    SELECT followee_id AS id, row_number() OVER (ORDER BY created_at DESC, followee_id DESC) AS recency
      FROM (SELECT followee_id, created_at FROM user_follows WHERE follower_id = :viewer_id
             ORDER BY created_at DESC, followee_id DESC LIMIT :sample) recent
), second_hop AS (
    SELECT hop.followee_id AS id, count(*) AS via_count, array_agg(f.id ORDER BY f.recency) AS via_ids
      FROM followees f
      CROSS JOIN LATERAL (SELECT followee_id FROM user_follows WHERE follower_id = f.id
                           ORDER BY created_at DESC, followee_id DESC LIMIT :per_followee) hop
     GROUP BY hop.followee_id
), followers AS (
    SELECT follower_id AS id FROM user_follows WHERE followee_id = :viewer_id
     ORDER BY created_at DESC, follower_id DESC LIMIT :sample
), candidates AS (
    SELECT coalesce(h.id, fo.id) AS id, coalesce(h.via_count, 0) AS via_count,
           coalesce(h.via_ids, '{}') AS via_ids, fo.id IS NOT NULL AS follows_you
      FROM second_hop h FULL JOIN followers fo ON fo.id = h.id
)
SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at, c.via_count::int AS via_count,
       c.follows_you,
       ARRAY(SELECT v.username FROM unnest(c.via_ids) WITH ORDINALITY AS via (id, n) JOIN users v ON v.id = via.id
              ORDER BY via.n LIMIT 3) AS via_usernames
  FROM candidates c JOIN users u ON u.id = c.id
 WHERE c.id <> :viewer_id
   AND u.status = 'active'
   AND c.id NOT IN (SELECT followee_id FROM user_follows WHERE follower_id = :viewer_id)
   AND c.id NOT IN (SELECT target_id FROM user_follow_requests WHERE requester_id = :viewer_id)
   AND c.id NOT IN (SELECT muted_id FROM user_mutes WHERE muter_id = :viewer_id)
   AND c.id NOT IN (SELECT blocked_id FROM user_blocks WHERE blocker_id = :viewer_id)
   AND c.id NOT IN (SELECT blocker_id FROM user_blocks WHERE blocked_id = :viewer_id)
 ORDER BY c.via_count DESC, c.follows_you DESC, u.followers_count DESC, u.id
 LIMIT :limit;
