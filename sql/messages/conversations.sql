-- Conversations and their members. Every change of membership or of the sequence locks the
-- conversation's row first, so sends, joins and leaves of one conversation happen one at a time.

-- name: insert_conversation(kind, name, owner_id, user_low, user_high)$
INSERT INTO conversations (kind, name, owner_id, user_low, user_high)
VALUES (:kind, :name, :owner_id, :user_low, :user_high)
ON CONFLICT (user_low, user_high) WHERE kind = 'direct' DO NOTHING
RETURNING id;

-- name: direct_between(user_low, user_high)$
SELECT id FROM conversations WHERE kind = 'direct' AND user_low = :user_low AND user_high = :user_high;

-- name: lock_conversation(conversation_id)^
SELECT id, kind, name, owner_id, last_seq FROM conversations WHERE id = :conversation_id FOR UPDATE;

-- name: rename_conversation(conversation_id, name)!
UPDATE conversations SET name = :name, updated_at = now() WHERE id = :conversation_id;

-- name: set_owner(conversation_id, owner_id)!
UPDATE conversations SET owner_id = :owner_id, updated_at = now() WHERE id = :conversation_id;

-- name: membership(conversation_id, user_id)^
-- The caller's member row with the conversation's own columns; none if never a member.
SELECT c.id AS conversation_id, c.kind, c.name, c.owner_id, c.last_seq, m.user_id, m.role, m.joined_seq,
       m.read_seq, m.delivered_seq, m.cleared_seq, m.left_seq, m.muted
  FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = :user_id
 WHERE c.id = :conversation_id;

-- name: send_state(conversation_id, user_id, client_id)
-- What a send checks, in one query: every member row (current and past) with the
-- conversation's columns, the message the sender already sent with client_id, if any, and
-- in a one-to-one conversation what lies between the sender and the other member (on the
-- other member's row; a subquery per row, so it is one primary-key lookup whatever the planner
-- knows of the tables).
SELECT c.id AS conversation_id, c.kind, c.name, c.owner_id, c.last_seq, m.user_id, m.role, m.joined_seq,
       m.read_seq, m.delivered_seq, m.cleared_seq, m.left_seq, m.muted, m.joined_at, m.last_sent_seq,
       (SELECT id FROM messages WHERE sender_id = :user_id AND client_id = :client_id) AS earlier_id,
       (SELECT to_jsonb(r) FROM user_relationship(:user_id, m.user_id) r
         WHERE c.kind = 'direct' AND m.user_id <> :user_id) AS relationship
  FROM conversations c JOIN conversation_members m ON m.conversation_id = c.id
 WHERE c.id = :conversation_id;

-- name: active_members(conversation_id)
SELECT user_id, role, muted, read_seq, delivered_seq, joined_at, last_sent_seq
  FROM conversation_members
 WHERE conversation_id = :conversation_id AND left_at IS NULL
 ORDER BY joined_at, user_id;

-- name: members_of(conversation_ids)
SELECT m.conversation_id, m.user_id, u.username, u.display_name, u.avatar_media_id, m.role, m.read_seq,
       m.delivered_seq, m.joined_at
  FROM conversation_members m JOIN users u ON u.id = m.user_id
 WHERE m.conversation_id = ANY(:conversation_ids) AND m.left_at IS NULL
 ORDER BY m.joined_at, m.user_id;

-- name: add_member(conversation_id, user_id, role, joined_seq)$
-- A new member, or one who left coming back: either way they see messages after joined_seq.
INSERT INTO conversation_members (conversation_id, user_id, role, joined_seq, read_seq, delivered_seq)
VALUES (:conversation_id, :user_id, :role, :joined_seq, :joined_seq, :joined_seq)
ON CONFLICT (conversation_id, user_id) DO UPDATE
   SET role = EXCLUDED.role, joined_seq = EXCLUDED.joined_seq, read_seq = EXCLUDED.joined_seq,
       delivered_seq = EXCLUDED.joined_seq, cleared_seq = 0, cleared_at = NULL, left_seq = NULL,
       left_at = NULL, muted = false, joined_at = now()
 WHERE conversation_members.left_at IS NOT NULL
RETURNING true;

-- name: remove_member(conversation_id, user_id, left_seq)$
UPDATE conversation_members SET left_seq = :left_seq, left_at = now(), role = 'member'
 WHERE conversation_id = :conversation_id AND user_id = :user_id AND left_at IS NULL
RETURNING true;

-- name: set_role(conversation_id, user_id, role)$
UPDATE conversation_members SET role = :role
 WHERE conversation_id = :conversation_id AND user_id = :user_id AND left_at IS NULL
RETURNING true;

-- name: successor(conversation_id)$
-- Who owns a group after its owner leaves: the longest-standing admin, else member.
SELECT user_id FROM conversation_members
 WHERE conversation_id = :conversation_id AND left_at IS NULL
 ORDER BY role = 'admin' DESC, joined_at, user_id
 LIMIT 1;

-- name: set_muted(conversation_id, user_id, muted)!
UPDATE conversation_members SET muted = :muted WHERE conversation_id = :conversation_id AND user_id = :user_id;

-- name: clear_history(conversation_id, user_id, upto)!
UPDATE conversation_members
   SET cleared_seq = :upto, cleared_at = now(), read_seq = greatest(read_seq, :upto),
       delivered_seq = greatest(delivered_seq, :upto)
 WHERE conversation_id = :conversation_id AND user_id = :user_id;

-- name: advance_read(conversation_id, user_id, seq)$
UPDATE conversation_members
   SET read_seq = greatest(read_seq, :seq), delivered_seq = greatest(delivered_seq, :seq), marked_unread = false
 WHERE conversation_id = :conversation_id AND user_id = :user_id AND (read_seq < :seq OR marked_unread)
RETURNING read_seq;

-- name: mark_unread(conversation_id, user_id)!
UPDATE conversation_members SET marked_unread = true WHERE conversation_id = :conversation_id AND user_id = :user_id;

-- name: advance_delivered(conversation_id, user_id, seq)$
UPDATE conversation_members SET delivered_seq = :seq
 WHERE conversation_id = :conversation_id AND user_id = :user_id AND delivered_seq < :seq
RETURNING delivered_seq;

-- name: conversation_page(user_id, conversation_id, before_at, before_id, limit)
-- The caller's conversations, latest activity first (one of them with conversation_id), each
-- with the last message the caller can see and how many from others they have not read.
-- A conversation the caller deleted stays out of the list until a message they can see arrives.
SELECT p.*, last.id AS last_id, last.seq AS last_seq_seen, last.sender_id AS last_sender_id,
       last.kind AS last_kind, left(last.body, 200) AS last_body, last.created_at AS last_created_at,
       last.deleted_at IS NOT NULL AS last_deleted,
       (SELECT count(*) FROM messages u
         WHERE u.conversation_id = p.id AND u.seq > greatest(p.read_seq, p.joined_seq, p.cleared_seq)
           AND u.seq <= p.visible_to AND u.sender_id IS DISTINCT FROM :user_id AND u.deleted_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM message_hides h WHERE h.user_id = :user_id AND h.message_id = u.id)
       ) AS unread_count
  FROM (
      SELECT * FROM (
          SELECT c.id, c.kind, c.name, c.owner_id, c.last_seq, c.created_at, m.role, m.muted, m.marked_unread,
                 m.read_seq, m.joined_seq, m.cleared_seq, m.left_seq, coalesce(m.left_seq, c.last_seq) AS visible_to,
                 coalesce(least(c.last_message_at, m.left_at), c.created_at) AS since
            FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
           WHERE m.user_id = :user_id
             AND (CAST(:conversation_id AS uuid) IS NULL OR c.id = :conversation_id)
             AND (CAST(:conversation_id AS uuid) IS NOT NULL OR m.cleared_at IS NULL
                  OR coalesce(m.left_seq, c.last_seq) > m.cleared_seq)
      ) listed
       WHERE (since, id) < (:before_at, :before_id)
       ORDER BY since DESC, id DESC
       LIMIT :limit
  ) p
  LEFT JOIN LATERAL (
      SELECT x.id, x.seq, x.sender_id, x.kind, x.body, x.created_at, x.deleted_at
        FROM messages x
       WHERE x.conversation_id = p.id AND x.seq > greatest(p.joined_seq, p.cleared_seq) AND x.seq <= p.visible_to
         AND NOT EXISTS (SELECT 1 FROM message_hides h WHERE h.user_id = :user_id AND h.message_id = x.id)
       ORDER BY x.seq DESC
       LIMIT 1
  ) last ON true
 ORDER BY p.since DESC, p.id DESC;
