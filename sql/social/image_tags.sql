-- Tags on a post's images (docs/social.md, "Image tags"): a user, a product or a shop at
-- percentage coordinates.

-- name: image_tag_hold_media(post_id, media_id)$
-- The post's media row, held while its tags change, so that two tags added at once both count
-- against the image's limit; NULL: the media is not the post's.
SELECT media_id FROM post_media WHERE post_id = :post_id AND media_id = :media_id FOR NO KEY UPDATE;

-- name: image_tag_count(post_id, media_id)$
SELECT count(*)::integer FROM image_tags WHERE post_id = :post_id AND media_id = :media_id;

-- name: image_tag_insert(id, post_id, media_id, kind, user_id, product_id, shop_id, x, y, created_by)^
-- The tag; nothing when the image has a tag of the same user, product or shop already.
INSERT INTO image_tags (id, post_id, media_id, kind, user_id, product_id, shop_id, x, y, created_by)
VALUES (:id, :post_id, :media_id, :kind, :user_id, :product_id, :shop_id, :x, :y, :created_by)
    ON CONFLICT DO NOTHING
RETURNING id;

-- name: image_tag_delete(tag_id, post_id, media_id)^
DELETE FROM image_tags WHERE id = :tag_id AND post_id = :post_id AND media_id = :media_id
RETURNING id, kind, user_id, product_id, shop_id;

-- name: image_tags_of_media(post_id, media_id)
-- The image's tags, oldest first, a tagged user's public card beside the tag.
SELECT t.id, t.post_id, t.media_id, t.kind, t.user_id, t.product_id, t.shop_id, t.x, t.y, t.created_by,
       t.created_at, u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM image_tags t LEFT JOIN users u ON u.id = t.user_id
 WHERE t.post_id = :post_id AND t.media_id = :media_id
 ORDER BY t.created_at, t.id;

-- name: image_tag_by_id(tag_id)^
SELECT t.id, t.post_id, t.media_id, t.kind, t.user_id, t.product_id, t.shop_id, t.x, t.y, t.created_by,
       t.created_at, u.username, u.display_name, u.avatar_media_id, u.verified_at
  FROM image_tags t LEFT JOIN users u ON u.id = t.user_id
 WHERE t.id = :tag_id;

-- name: image_tag_post_media(post_id, media_id)$
SELECT media_id FROM post_media WHERE post_id = :post_id AND media_id = :media_id;
