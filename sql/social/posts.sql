-- Posts (nexgate/domain/social/posts_repository.py).

-- name: insert_post(id, author_id, kind, post_type, state, visibility, text, entities, original_post_id, scheduled_at, published_at)^
INSERT INTO posts (id, author_id, kind, post_type, state, visibility, text, entities, original_post_id,
                   scheduled_at, published_at)
VALUES (:id, :author_id, :kind, :post_type, :state, :visibility, :text, :entities, :original_post_id,
        :scheduled_at, :published_at)
RETURNING id;

-- name: lock_post(id)^
-- The post's row, held for the transaction, with its authors (creator first, then accepted
-- co-authors by when they accepted) and its pending invitees.
SELECT p.id, p.author_id, p.kind, p.post_type, p.state, p.visibility, p.text, p.entities, p.original_post_id,
       p.scheduled_at, p.published_at, p.edited_at, p.edits_count, p.created_at, p.deleted_at,
       ARRAY(SELECT x.user_id FROM (SELECT p.author_id AS user_id, 0 AS ord, p.created_at AS at
                                    UNION ALL
                                    SELECT c.user_id, 1, c.accepted_at FROM post_collaborators c
                                     WHERE c.post_id = p.id AND c.status = 'accepted') x
              ORDER BY x.ord, x.at, x.user_id) AS author_ids,
       ARRAY(SELECT c.user_id FROM post_collaborators c WHERE c.post_id = p.id AND c.status = 'pending'
              ORDER BY c.invited_at, c.user_id) AS pending_ids
  FROM posts p WHERE p.id = :id FOR NO KEY UPDATE OF p;

-- name: posts_for_viewer(viewer_id, ids)
-- The posts of these ids, whatever their state, each with its authors' public cards and the
-- viewer's relationship to each (user_relationship, migration 0011), whether the viewer is
-- mentioned in it and whether the viewer is invited to co-author it: what the visibility rule
-- (domain/social/access.py) decides on. A NULL viewer is anonymous.
SELECT p.id, p.author_id, p.kind, p.post_type, p.state, p.visibility, p.text, p.entities, p.original_post_id,
       p.scheduled_at, p.published_at, p.edited_at, p.edits_count, p.likes_count, p.comments_count,
       p.reposts_count, p.quotes_count, p.bookmarks_count, p.created_at, p.updated_at,
       (:viewer_id::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM post_mentions m
                                                  WHERE m.post_id = p.id AND m.user_id = :viewer_id)) AS viewer_mentioned,
       (:viewer_id::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM post_collaborators c WHERE c.post_id = p.id
                                                    AND c.user_id = :viewer_id AND c.status = 'pending')) AS viewer_invited,
       a.authors
  FROM posts p
 CROSS JOIN LATERAL (
       SELECT jsonb_agg(jsonb_build_object(
                  'id', u.id, 'username', u.username, 'display_name', u.display_name,
                  'avatar_media_id', u.avatar_media_id, 'is_verified', u.verified_at IS NOT NULL,
                  'relationship', to_jsonb(r.*)) ORDER BY x.ord, x.at, x.user_id) AS authors
         FROM (SELECT p.author_id AS user_id, 0 AS ord, p.created_at AS at
               UNION ALL
               SELECT c.user_id, 1, c.accepted_at FROM post_collaborators c
                WHERE c.post_id = p.id AND c.status = 'accepted') x
         JOIN users u ON u.id = x.user_id
         LEFT JOIN LATERAL user_relationship(:viewer_id::uuid, u.id) r ON true
       ) a
 WHERE p.id = ANY(:ids::uuid[]);

-- name: insert_mentions(post_id, user_ids)!
INSERT INTO post_mentions (post_id, user_id)
SELECT :post_id, unnest(:user_ids::uuid[]) ON CONFLICT DO NOTHING;

-- name: mentioned_ids(post_id)
SELECT user_id FROM post_mentions WHERE post_id = :post_id;

-- name: media_of_posts(ids)
-- The media of these posts, in their order.
SELECT post_id, media_id FROM post_media WHERE post_id = ANY(:ids::uuid[]) ORDER BY post_id, position;

-- name: publish_post(id, published_at)^
UPDATE posts SET state = 'published', published_at = :published_at, scheduled_at = NULL, updated_at = now()
 WHERE id = :id AND state IN ('draft', 'scheduled', 'pending_collaboration')
RETURNING id, published_at;

-- name: set_state(id, state, scheduled_at)^
UPDATE posts SET state = :state, scheduled_at = :scheduled_at, updated_at = now() WHERE id = :id RETURNING id;

-- name: viewer_states(viewer_id, ids)
-- The viewer's own state on each of these posts: liked, bookmarked, reposted (a live plain repost).
SELECT p.id,
       EXISTS (SELECT 1 FROM post_likes l WHERE l.post_id = p.id AND l.user_id = :viewer_id) AS liked,
       EXISTS (SELECT 1 FROM bookmarks b WHERE b.post_id = p.id AND b.user_id = :viewer_id) AS bookmarked,
       EXISTS (SELECT 1 FROM posts r WHERE r.original_post_id = p.id AND r.author_id = :viewer_id
                  AND r.kind = 'repost' AND r.state <> 'deleted') AS reposted
  FROM unnest(:ids::uuid[]) AS p(id);

-- name: insert_media(post_id, media_ids)!
-- The post's media in the order given (position 0 first).
INSERT INTO post_media (post_id, media_id, position)
SELECT :post_id, m.id, m.n - 1 FROM unnest(:media_ids::uuid[]) WITH ORDINALITY AS m(id, n);
