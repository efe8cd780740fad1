-- The feeds' reads (nexgate/domain/social/feeds.py, docs/social.md "Feeds"). Each answers rows
-- of (id, published_at, author_id, author_ids) newest first past a (published_at, id) key;
-- author_ids is the creator then the accepted co-authors. Which of them the viewer may see is
-- decided after, by the users area's visibility and the posts' own (posts.visible_posts).

-- name: feed_rows(ids)
-- The rows of some post ids (a home feed's ids from Redis), published ones only, in no order.
SELECT p.id, p.published_at, p.author_id,
       p.author_id || coalesce(array(SELECT c.user_id FROM post_collaborators c
                                      WHERE c.post_id = p.id AND c.status = 'accepted'
                                      ORDER BY c.accepted_at, c.user_id), '{}') AS author_ids
  FROM posts p
 WHERE p.id = ANY(:ids::uuid[]) AND p.state = 'published';

-- name: posts_by_authors(author_ids, before_at, before_id, limit)
-- The published posts (and reposts) of some authors, and those they accepted to co-author:
-- a home feed read from the database. One probe of posts_of_author per author, each at most
-- limit rows, then the newest limit of them all.
WITH own AS (
    SELECT p.id, p.published_at, p.author_id
      FROM unnest(:author_ids::uuid[]) AS a(id)
      CROSS JOIN LATERAL (
            SELECT id, published_at, author_id FROM posts
             WHERE author_id = a.id AND state = 'published' AND (published_at, id) < (:before_at, :before_id)
             ORDER BY published_at DESC, id DESC
             LIMIT :limit) p
), shared AS (
    -- co-authored posts whose creator is not among the authors (those are in own already)
    SELECT DISTINCT p.id, p.published_at, p.author_id
      FROM post_collaborators c JOIN posts p ON p.id = c.post_id
     WHERE c.user_id = ANY(:author_ids::uuid[]) AND c.status = 'accepted' AND p.author_id <> ALL(:author_ids::uuid[])
       AND p.state = 'published' AND (p.published_at, p.id) < (:before_at, :before_id)
), found AS (
    SELECT * FROM own UNION ALL SELECT * FROM shared
     ORDER BY published_at DESC, id DESC
     LIMIT :limit
)
SELECT f.id, f.published_at, f.author_id,
       f.author_id || coalesce(array(SELECT c.user_id FROM post_collaborators c
                                      WHERE c.post_id = f.id AND c.status = 'accepted'
                                      ORDER BY c.accepted_at, c.user_id), '{}') AS author_ids
  FROM found f
 ORDER BY f.published_at DESC, f.id DESC;

-- name: hashtag_by_tag(tag)^
SELECT id, tag, posts_count FROM hashtags WHERE tag = :tag;

-- name: posts_of_hashtag(hashtag_id, before_at, before_id, limit)
-- A hashtag's published posts, newest first (post_hashtags_feed).
SELECT p.id, p.published_at, p.author_id,
       p.author_id || coalesce(array(SELECT c.user_id FROM post_collaborators c
                                      WHERE c.post_id = p.id AND c.status = 'accepted'
                                      ORDER BY c.accepted_at, c.user_id), '{}') AS author_ids
  FROM (SELECT post_id, published_at FROM post_hashtags
         WHERE hashtag_id = :hashtag_id AND (published_at, post_id) < (:before_at, :before_id)
         ORDER BY published_at DESC, post_id DESC
         LIMIT :limit) h
  JOIN posts p ON p.id = h.post_id AND p.state = 'published'
 ORDER BY h.published_at DESC, h.post_id DESC;

-- name: explore(window_start, candidates, at, before_score, before_id, limit)
-- Explore's candidates: the newest `candidates` public posts and quotes (no plain reposts)
-- published since window_start, ranked by engagement decayed by age as of `at` (docs/social.md
-- "Explore": (1 + likes + 2 comments + 3 (reposts + quotes)) / (hours old + 2)^1.5), best first
-- past a (score, id) key.
WITH recent AS (
    SELECT id, published_at, author_id, likes_count, comments_count, reposts_count, quotes_count
      FROM posts
     WHERE state = 'published' AND visibility = 'public' AND kind <> 'repost' AND published_at >= :window_start
     ORDER BY published_at DESC, id DESC
     LIMIT :candidates
), scored AS (
    SELECT r.*, (1 + r.likes_count + 2 * r.comments_count + 3 * (r.reposts_count + r.quotes_count))::float8
                / power(greatest(extract(epoch FROM (:at::timestamptz - r.published_at))::float8, 0) / 3600 + 2, 1.5)
                AS score
      FROM recent r
)
SELECT s.id, s.published_at, s.author_id, s.score,
       s.author_id || coalesce(array(SELECT c.user_id FROM post_collaborators c
                                      WHERE c.post_id = s.id AND c.status = 'accepted'
                                      ORDER BY c.accepted_at, c.user_id), '{}') AS author_ids
  FROM scored s
 WHERE (s.score, s.id) < (:before_score, :before_id)
 ORDER BY s.score DESC, s.id DESC
 LIMIT :limit;
