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
-- (domain/social/access.py) decides on; whether it has media, embeds and a poll (so that a page
-- of posts without them asks no more); and the viewer's own state. A NULL viewer is anonymous.
SELECT p.id, p.author_id, p.kind, p.post_type, p.state, p.visibility, p.text, p.entities, p.original_post_id,
       p.scheduled_at, p.published_at, p.edited_at, p.edits_count, p.likes_count, p.comments_count,
       p.reposts_count, p.quotes_count, p.bookmarks_count, p.created_at, p.updated_at,
       (:viewer_id::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM post_mentions m
                                                  WHERE m.post_id = p.id AND m.user_id = :viewer_id)) AS viewer_mentioned,
       (:viewer_id::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM post_collaborators c WHERE c.post_id = p.id
                                                    AND c.user_id = :viewer_id AND c.status = 'pending')) AS viewer_invited,
       EXISTS (SELECT 1 FROM post_media pm WHERE pm.post_id = p.id) AS has_media,
       EXISTS (SELECT 1 FROM post_embeds pe WHERE pe.post_id = p.id) AS has_embeds,
       EXISTS (SELECT 1 FROM polls pl WHERE pl.post_id = p.id) AS has_poll,
       -- the viewer's own state: liked, bookmarked, reposted (a live plain repost)
       (:viewer_id::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM post_likes l
                                                  WHERE l.post_id = p.id AND l.user_id = :viewer_id)) AS viewer_liked,
       (:viewer_id::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM bookmarks b
                                                  WHERE b.post_id = p.id AND b.user_id = :viewer_id)) AS viewer_bookmarked,
       (:viewer_id::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM posts r WHERE r.original_post_id = p.id
                                                    AND r.author_id = :viewer_id AND r.kind = 'repost'
                                                    AND r.state <> 'deleted')) AS viewer_reposted,
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

-- name: insert_media(post_id, media_ids)!
-- The post's media in the order given (position 0 first).
INSERT INTO post_media (post_id, media_id, position)
SELECT :post_id, m.id, m.n - 1 FROM unnest(:media_ids::uuid[]) WITH ORDINALITY AS m(id, n);

-- name: drafts_page(author_id, before_created_at, before_id, limit)
-- The author's unpublished posts (drafts, scheduled, pending collaboration), newest first.
SELECT id, created_at FROM posts
 WHERE author_id = :author_id AND state IN ('draft', 'pending_collaboration', 'scheduled')
   AND (created_at, id) < (:before_created_at, :before_id)
 ORDER BY created_at DESC, id DESC LIMIT :limit;

-- name: delete_media(post_id)!
DELETE FROM post_media WHERE post_id = :post_id;

-- name: delete_mentions(post_id)!
DELETE FROM post_mentions WHERE post_id = :post_id;

-- name: insert_embeds(post_id, kinds, product_ids, shop_ids, event_ids, mention_types)!
-- The post's embeds in the order given (position 0 first); the arrays are parallel.
INSERT INTO post_embeds (post_id, position, kind, product_id, shop_id, event_id, mention_type)
SELECT :post_id, e.n - 1, e.kind, e.product_id, e.shop_id, e.event_id, e.mention_type
  FROM unnest(:kinds::text[], :product_ids::uuid[], :shop_ids::uuid[], :event_ids::uuid[], :mention_types::text[])
       WITH ORDINALITY AS e(kind, product_id, shop_id, event_id, mention_type, n);

-- name: delete_embeds(post_id)!
DELETE FROM post_embeds WHERE post_id = :post_id;

-- name: embeds_of_posts(ids)
SELECT post_id, position, kind, product_id, shop_id, event_id, mention_type
  FROM post_embeds WHERE post_id = ANY(:ids::uuid[]) ORDER BY post_id, position;

-- name: add_hashtags(post_id, tags, published_at)!
-- A published post's hashtags: each made if new, its posts_count one more (tags sorted by the
-- caller, so that two posts of the same tags lock them in the same order).
WITH tagged AS (
    INSERT INTO hashtags (tag, posts_count) SELECT t, 1 FROM unnest(:tags::text[]) AS t
    ON CONFLICT (tag) DO UPDATE SET posts_count = hashtags.posts_count + 1, updated_at = now()
    RETURNING id)
INSERT INTO post_hashtags (post_id, hashtag_id, published_at) SELECT :post_id, id, :published_at FROM tagged;

-- name: remove_hashtags(post_id)!
-- A post leaves its hashtags (deleted, or edited before they are added anew).
WITH gone AS (DELETE FROM post_hashtags WHERE post_id = :post_id RETURNING hashtag_id)
UPDATE hashtags SET posts_count = greatest(posts_count - 1, 0), updated_at = now()
 WHERE id IN (SELECT hashtag_id FROM gone);

-- name: insert_poll(id, post_id, question, allows_multiple, is_anonymous, expires_at)!
INSERT INTO polls (id, post_id, question, allows_multiple, is_anonymous, expires_at)
VALUES (:id, :post_id, :question, :allows_multiple, :is_anonymous, :expires_at);

-- name: insert_poll_options(poll_id, ids, texts)!
INSERT INTO poll_options (id, poll_id, position, text)
SELECT o.id, :poll_id, o.n - 1, o.text FROM unnest(:ids::uuid[], :texts::text[]) WITH ORDINALITY AS o(id, text, n);

-- name: polls_of_posts(ids)
SELECT p.post_id, p.id, p.question, p.allows_multiple, p.is_anonymous, p.expires_at, p.closed_at, p.total_votes,
       p.voters_count,
       (SELECT jsonb_agg(jsonb_build_object('id', o.id, 'position', o.position, 'text', o.text,
                                            'votes_count', o.votes_count) ORDER BY o.position)
          FROM poll_options o WHERE o.poll_id = p.id) AS options
  FROM polls p WHERE p.post_id = ANY(:ids::uuid[]);

-- name: insert_edit(post_id, editor_id, text, entities, visibility, changed)!
INSERT INTO post_edits (post_id, editor_id, text, entities, visibility, changed)
VALUES (:post_id, :editor_id, :text, :entities, :visibility, :changed);

-- name: update_content(id, text, entities, visibility, post_type)!
UPDATE posts SET text = :text, entities = :entities, visibility = :visibility, post_type = :post_type,
                 edited_at = now(), edits_count = edits_count + 1, updated_at = now()
 WHERE id = :id;

-- name: edits_page(post_id, after_edited_at, after_id, limit)
-- A post's earlier versions, oldest first.
SELECT e.id, e.editor_id, e.text, e.entities, e.visibility, e.changed, e.edited_at,
       u.username, u.display_name, u.avatar_media_id, u.verified_at IS NOT NULL AS is_verified
  FROM post_edits e JOIN users u ON u.id = e.editor_id
 WHERE e.post_id = :post_id AND (e.edited_at, e.id) > (:after_edited_at, :after_id)
 ORDER BY e.edited_at, e.id LIMIT :limit;

-- name: soft_delete(id)!
UPDATE posts SET state = 'deleted', deleted_at = now(), updated_at = now() WHERE id = :id;
