-- Messages, "deleted for me", reactions and search. A member sees the messages of a
-- conversation with greatest(joined_seq, cleared_seq) < seq <= coalesce(left_seq, last_seq)
-- that they did not hide; each query that lists messages applies that range.

-- name: insert_message(id, conversation_id, sender_id, client_id, kind, body, entities, reply_to_id, forwarded, product, media_ids, event_type, event)^
-- In one statement: take the conversation's next seq (locking its row until commit, so seqs
-- follow commit order), store the message, move the sender's read position and last_sent_seq
-- to it, and put its event (when there is one) in the outbox with the seq added; the stored
-- message. A client_id the sender already used fails it (messages_client_id): nothing is written.
WITH next AS (
    UPDATE conversations SET last_seq = last_seq + 1, last_message_at = now(), updated_at = now()
     WHERE id = :conversation_id
    RETURNING last_seq
), stored AS (
    INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, kind, body, entities, reply_to_id,
                          forwarded, product, media_ids)
    SELECT CAST(:id AS uuid), CAST(:conversation_id AS uuid), next.last_seq, CAST(:sender_id AS uuid),
           CAST(:client_id AS text), CAST(:kind AS text), CAST(:body AS text), CAST(:entities AS jsonb),
           CAST(:reply_to_id AS uuid), CAST(:forwarded AS boolean), CAST(:product AS jsonb),
           CAST(:media_ids AS uuid[])
      FROM next
    RETURNING *
), sender AS (
    UPDATE conversation_members m
       SET read_seq = stored.seq, delivered_seq = greatest(m.delivered_seq, stored.seq), last_sent_seq = stored.seq
      FROM stored
     WHERE m.conversation_id = stored.conversation_id AND m.user_id = stored.sender_id
), event AS (
    INSERT INTO outbox (id, routing_key, payload)
    SELECT gen_random_uuid(), CAST(:event_type AS text), CAST(:event AS jsonb) || jsonb_build_object('seq', stored.seq)
      FROM stored
     WHERE CAST(:event AS jsonb) IS NOT NULL
)
SELECT x.id, x.conversation_id, x.seq, x.sender_id, x.client_id, x.kind, x.body, x.entities, x.reply_to_id,
       r.sender_id AS reply_sender_id, left(r.body, 200) AS reply_body, r.deleted_at IS NOT NULL AS reply_deleted,
       x.forwarded, x.product, x.media_ids, x.created_at, x.edited_at, x.deleted_at
  FROM stored x LEFT JOIN messages r ON r.id = x.reply_to_id;

-- name: message_by_id(id)^
SELECT x.id, x.conversation_id, x.seq, x.sender_id, x.client_id, x.kind, x.body, x.entities, x.reply_to_id,
       r.sender_id AS reply_sender_id, left(r.body, 200) AS reply_body, r.deleted_at IS NOT NULL AS reply_deleted,
       x.forwarded, x.product, x.media_ids, x.created_at, x.edited_at, x.deleted_at
  FROM messages x LEFT JOIN messages r ON r.id = x.reply_to_id
 WHERE x.id = :id;

-- name: message_id_by_client_id(sender_id, client_id)$
SELECT id FROM messages WHERE sender_id = :sender_id AND client_id = :client_id;

-- name: visible_to(message_id, user_id)$
-- Whether the member sees the message (False for a non-member).
SELECT EXISTS (
    SELECT 1 FROM messages x
      JOIN conversation_members m ON m.conversation_id = x.conversation_id AND m.user_id = :user_id
      JOIN conversations c ON c.id = x.conversation_id
     WHERE x.id = :message_id AND x.seq > greatest(m.joined_seq, m.cleared_seq)
       AND x.seq <= coalesce(m.left_seq, c.last_seq)
       AND NOT EXISTS (SELECT 1 FROM message_hides h WHERE h.user_id = :user_id AND h.message_id = x.id));

-- name: history_page(conversation_id, user_id, low, high, before_seq, q, limit)
-- Newest first, before before_seq, in the member's range (low, high]; with q, only the live
-- messages that match it.
SELECT x.id, x.conversation_id, x.seq, x.sender_id, x.client_id, x.kind, x.body, x.entities, x.reply_to_id,
       r.sender_id AS reply_sender_id, left(r.body, 200) AS reply_body, r.deleted_at IS NOT NULL AS reply_deleted,
       x.forwarded, x.product, x.media_ids, x.created_at, x.edited_at, x.deleted_at
  FROM messages x LEFT JOIN messages r ON r.id = x.reply_to_id
 WHERE x.conversation_id = :conversation_id AND x.seq > :low AND x.seq <= :high AND x.seq < :before_seq
   AND NOT EXISTS (SELECT 1 FROM message_hides h WHERE h.user_id = :user_id AND h.message_id = x.id)
   AND (CAST(:q AS text) IS NULL
        OR (x.deleted_at IS NULL AND x.search @@ websearch_to_tsquery('simple', :q)))
 ORDER BY x.seq DESC
 LIMIT :limit;

-- name: search_all(user_id, q, before_at, before_id, limit)
-- Matching live messages in every conversation the caller is or was in, newest first.
SELECT x.id, x.conversation_id, x.seq, x.sender_id, x.client_id, x.kind, x.body, x.entities, x.reply_to_id,
       r.sender_id AS reply_sender_id, left(r.body, 200) AS reply_body, r.deleted_at IS NOT NULL AS reply_deleted,
       x.forwarded, x.product, x.media_ids, x.created_at, x.edited_at, x.deleted_at
  FROM conversation_members m
  JOIN conversations c ON c.id = m.conversation_id
  JOIN messages x ON x.conversation_id = m.conversation_id
  LEFT JOIN messages r ON r.id = x.reply_to_id
 WHERE m.user_id = :user_id
   AND x.search @@ websearch_to_tsquery('simple', :q) AND x.deleted_at IS NULL
   AND x.seq > greatest(m.joined_seq, m.cleared_seq) AND x.seq <= coalesce(m.left_seq, c.last_seq)
   AND NOT EXISTS (SELECT 1 FROM message_hides h WHERE h.user_id = :user_id AND h.message_id = x.id)
   AND (x.created_at, x.id) < (:before_at, :before_id)
 ORDER BY x.created_at DESC, x.id DESC
 LIMIT :limit;

-- name: edit_message(id, body, entities)!
UPDATE messages SET body = :body, entities = :entities, edited_at = now() WHERE id = :id;

-- name: delete_for_everyone(id)$
-- What was said goes; the row stays as a "deleted" marker in its place in the history.
UPDATE messages SET deleted_at = now(), body = '', entities = '[]', product = NULL, media_ids = '{}'
 WHERE id = :id AND deleted_at IS NULL
RETURNING true;

-- name: hide_message(message_id, user_id)!
INSERT INTO message_hides (message_id, user_id) VALUES (:message_id, :user_id) ON CONFLICT DO NOTHING;

-- name: insert_reaction(message_id, user_id, emoji)$
INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (:message_id, :user_id, :emoji)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: delete_reaction(message_id, user_id, emoji)$
DELETE FROM message_reactions WHERE message_id = :message_id AND user_id = :user_id AND emoji = :emoji
RETURNING true;

-- name: reactions_of(message_ids, user_id)
SELECT message_id, emoji, count(*) AS count, bool_or(user_id = :user_id) AS mine
  FROM message_reactions
 WHERE message_id = ANY(:message_ids)
 GROUP BY message_id, emoji
 ORDER BY message_id, min(created_at), emoji;
