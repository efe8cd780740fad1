-- The people an organizer invited to help at one event (docs/events.md, "Staff").

-- name: staff_member(event_id, user_id)^
SELECT s.event_id, s.user_id, u.username, u.display_name, s.role, s.state, s.invited_by, s.created_at,
       s.accepted_at
  FROM event_staff s JOIN users u ON u.id = s.user_id
 WHERE s.event_id = :event_id AND s.user_id = :user_id;

-- name: staff_of_event(event_id)
SELECT s.event_id, s.user_id, u.username, u.display_name, s.role, s.state, s.invited_by, s.created_at,
       s.accepted_at
  FROM event_staff s JOIN users u ON u.id = s.user_id
 WHERE s.event_id = :event_id
 ORDER BY s.created_at, s.user_id;

-- name: staff_insert(event_id, user_id, role, invited_by)$
-- Inviting someone already invited or on the staff writes nothing (false).
INSERT INTO event_staff (event_id, user_id, role, invited_by) VALUES (:event_id, :user_id, :role, :invited_by)
ON CONFLICT (event_id, user_id) DO NOTHING
RETURNING true;

-- name: staff_accept(event_id, user_id)$
UPDATE event_staff SET state = 'active', accepted_at = now()
 WHERE event_id = :event_id AND user_id = :user_id AND state = 'invited'
RETURNING true;

-- name: staff_delete(event_id, user_id)$
DELETE FROM event_staff WHERE event_id = :event_id AND user_id = :user_id RETURNING role;

-- name: staff_invitations_of(user_id)
SELECT s.event_id, s.user_id, u.username, u.display_name, s.role, s.state, s.invited_by, s.created_at,
       s.accepted_at
  FROM event_staff s JOIN users u ON u.id = s.user_id
 WHERE s.user_id = :user_id AND s.state = 'invited'
 ORDER BY s.created_at, s.event_id;
