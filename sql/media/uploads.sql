-- Resumable uploads and their parts.

-- name: insert_upload(id, owner_id, purpose, filename, size_bytes, expires_at)^
INSERT INTO media_uploads (id, owner_id, purpose, filename, size_bytes, expires_at)
VALUES (:id, :owner_id, :purpose, :filename, :size_bytes, :expires_at)
RETURNING id, owner_id, purpose, filename, size_bytes, received_bytes, media_id, completed_at, created_at, expires_at;

-- name: upload_by_id(id)^
SELECT id, owner_id, purpose, filename, size_bytes, received_bytes, media_id, completed_at, created_at, expires_at
  FROM media_uploads WHERE id = :id AND expires_at > now();

-- name: count_open_uploads(owner_id)$
SELECT count(*) FROM media_uploads WHERE owner_id = :owner_id AND completed_at IS NULL AND expires_at > now();

-- name: advance_upload(id, offset_bytes, length_bytes)^
-- Only a piece that starts exactly where the upload stands moves it on: of two pieces sent at
-- once for the same offset, one wins and the other is told where the upload now stands.
UPDATE media_uploads SET received_bytes = received_bytes + :length_bytes
 WHERE id = :id AND received_bytes = :offset_bytes AND completed_at IS NULL AND expires_at > now()
   AND received_bytes + :length_bytes <= size_bytes
RETURNING id, owner_id, purpose, filename, size_bytes, received_bytes, media_id, completed_at, created_at, expires_at;

-- name: insert_part(upload_id, offset_bytes, length_bytes, key)!
INSERT INTO media_upload_parts (upload_id, offset_bytes, length_bytes, key)
VALUES (:upload_id, :offset_bytes, :length_bytes, :key);

-- name: parts_of(upload_id)
SELECT offset_bytes, length_bytes, key FROM media_upload_parts WHERE upload_id = :upload_id ORDER BY offset_bytes;

-- name: complete_upload(id, media_id)^
-- Exactly one completion records its media; another one, running at the same time, finds none.
UPDATE media_uploads SET media_id = :media_id, completed_at = now()
 WHERE id = :id AND completed_at IS NULL
RETURNING id;

-- name: delete_parts(upload_id)!
DELETE FROM media_upload_parts WHERE upload_id = :upload_id;

-- name: delete_upload(id)!
DELETE FROM media_uploads WHERE id = :id;

-- name: lock_expired_uploads(batch)
-- Expired uploads, finished or not, with the keys of the parts they still hold.
SELECT u.id, coalesce(array_agg(p.key) FILTER (WHERE p.key IS NOT NULL), '{}') AS keys
  FROM (SELECT id FROM media_uploads WHERE expires_at <= now() ORDER BY expires_at
         LIMIT :batch FOR UPDATE SKIP LOCKED) u
  LEFT JOIN media_upload_parts p ON p.upload_id = u.id
 GROUP BY u.id;
