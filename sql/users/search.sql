-- User search (docs/trust.md#search): prefixes of usernames and display names through their
-- text_pattern_ops indexes, fuzzy matches through the pg_trgm GIN indexes, and the people the
-- viewer follows that match. Each source is bounded, so a one-letter query stays cheap.

-- name: search_users(viewer_id, q, fuzzy, branch_limit, after_following, after_score, after_id, limit)
WITH candidates AS (
    (SELECT id FROM users
      WHERE lower(username) ~>=~ lower(:q)
        AND lower(username) ~<~ (left(lower(:q), -1) || chr(ascii(right(lower(:q), 1)) + 1))
      ORDER BY lower(username) USING ~<~ LIMIT :branch_limit)
    UNION
    (SELECT id FROM users
      WHERE lower(display_name) ~>=~ lower(:q)
        AND lower(display_name) ~<~ (left(lower(:q), -1) || chr(ascii(right(lower(:q), 1)) + 1))
      ORDER BY lower(display_name) USING ~<~ LIMIT :branch_limit)
    UNION
    (SELECT id FROM users WHERE :fuzzy AND lower(username) % lower(:q) LIMIT :branch_limit)
    UNION
    (SELECT id FROM users WHERE :fuzzy AND lower(:q) <% lower(display_name) LIMIT :branch_limit)
    UNION
    (SELECT u.id FROM user_follows f JOIN users u ON u.id = f.followee_id
      WHERE f.follower_id = :viewer_id
        AND (starts_with(lower(u.username), lower(:q)) OR starts_with(lower(u.display_name), lower(:q))
             OR (:fuzzy AND (lower(u.username) % lower(:q) OR lower(:q) <% lower(u.display_name))))
      LIMIT :branch_limit)
), scored AS (
    -- The score: the better of the username's similarity and the display name's word
    -- similarity (0..1), plus 3 for the exact username, 2 for a username prefix, 1 for a display name prefix.
    SELECT u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at,
           EXISTS (SELECT 1 FROM user_follows WHERE follower_id = :viewer_id AND followee_id = u.id) AS following,
           (greatest(similarity(lower(u.username), lower(:q)), word_similarity(lower(:q), lower(u.display_name)))
            + CASE WHEN lower(u.username) = lower(:q) THEN 3
                   WHEN starts_with(lower(u.username), lower(:q)) THEN 2
                   WHEN starts_with(lower(u.display_name), lower(:q)) THEN 1
                   ELSE 0 END)::float8 AS score
      FROM candidates c JOIN users u ON u.id = c.id
     WHERE u.status = 'active'
       AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = :viewer_id AND blocked_id = u.id)
       AND NOT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = u.id AND blocked_id = :viewer_id)
)
SELECT id, username, display_name, avatar_media_id, verified_at, following, score
  FROM scored
 WHERE (following::int, score, id) < (:after_following, :after_score, :after_id)
 ORDER BY following DESC, score DESC, id DESC
 LIMIT :limit;
