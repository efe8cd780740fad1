-- Media rows: an upload's record, its processing results, its removal.

-- name: insert_media(id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width, height, blurhash, variants)^
INSERT INTO media (id, owner_id, purpose, kind, source_format, status, original_name, size_bytes,
                   source_key, width, height, blurhash, variants, processed_at)
VALUES (:id, :owner_id, :purpose, :kind, :source_format, :status, :original_name, :size_bytes,
        :source_key, :width, :height, :blurhash, :variants, CASE WHEN :status = 'ready' THEN now() END)
RETURNING id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width,
          height, duration_ms, blurhash, variants, poster, failure_code, failure_reason, created_at, processed_at;

-- name: media_by_id(id)^
SELECT id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width,
       height, duration_ms, blurhash, variants, poster, failure_code, failure_reason, created_at, processed_at
  FROM media WHERE id = :id AND deleted_at IS NULL;

-- name: media_by_ids(ids)
SELECT id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width,
       height, duration_ms, blurhash, variants, poster, failure_code, failure_reason, created_at, processed_at
  FROM media WHERE id = ANY(:ids::uuid[]) AND deleted_at IS NULL;

-- name: share_lock_media(ids)
-- Held while another area attaches them, so that a concurrent delete waits; in id order, never deadlocking.
SELECT id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width,
       height, duration_ms, blurhash, variants, poster, failure_code, failure_reason, created_at, processed_at
  FROM media WHERE id = ANY(:ids::uuid[]) AND deleted_at IS NULL ORDER BY id FOR SHARE;

-- name: lock_media_for_update(id)^
SELECT id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width,
       height, duration_ms, blurhash, variants, poster, failure_code, failure_reason, created_at, processed_at
  FROM media WHERE id = :id AND deleted_at IS NULL FOR UPDATE;

-- name: start_processing(id)^
-- Only an upload not yet finished moves to processing; a redelivered job finds it there already.
UPDATE media SET status = 'processing', updated_at = now()
 WHERE id = :id AND deleted_at IS NULL AND status IN ('uploaded', 'processing')
RETURNING id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width,
          height, duration_ms, blurhash, variants, poster, failure_code, failure_reason, created_at, processed_at;

-- name: finish_video(id, width, height, duration_ms, blurhash, variants, poster)^
UPDATE media
   SET status = 'ready', width = :width, height = :height, duration_ms = :duration_ms, blurhash = :blurhash,
       variants = :variants, poster = :poster, source_key = NULL, processed_at = now(), updated_at = now()
 WHERE id = :id AND deleted_at IS NULL
RETURNING id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width,
          height, duration_ms, blurhash, variants, poster, failure_code, failure_reason, created_at, processed_at;

-- name: fail_media(id, failure_code, failure_reason)^
UPDATE media
   SET status = 'failed', failure_code = :failure_code, failure_reason = :failure_reason, source_key = NULL,
       processed_at = now(), updated_at = now()
 WHERE id = :id AND deleted_at IS NULL
RETURNING id, owner_id, purpose, kind, source_format, status, original_name, size_bytes, source_key, width,
          height, duration_ms, blurhash, variants, poster, failure_code, failure_reason, created_at, processed_at;

-- name: mark_deleted(id)^
UPDATE media SET deleted_at = now(), updated_at = now(), variants = '[]', poster = NULL, source_key = NULL
 WHERE id = :id AND deleted_at IS NULL
RETURNING id;
