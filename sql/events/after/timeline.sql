-- An event's life after it is on sale (docs/events.md, "Notifications", "Money"): its days for
-- the scheduled jobs, completion when its last day ends, and whom a reminder tells.

-- name: event_days(event_id)
SELECT id, number, starts_at, ends_at FROM event_days WHERE event_id = :event_id ORDER BY number;

-- name: lock_event(event_id)^
SELECT id, organizer_id, state, title, format, time_zone, currency, starts_at, ends_at, cancelled_at, cancel_reason,
       completed_at, settlement, settle_after
  FROM events WHERE id = :event_id FOR UPDATE;

-- name: event_row(event_id)^
SELECT id, organizer_id, state, title, format, time_zone, currency, starts_at, ends_at, cancelled_at, cancel_reason,
       completed_at, settlement, settle_after
  FROM events WHERE id = :event_id;

-- name: complete_event(event_id, settle_after)^
-- The last day ended: completed, its settlement waiting for the feedback window.
UPDATE events SET state = 'completed', completed_at = now(), settlement = 'waiting', settle_after = :settle_after,
                  updated_at = now()
 WHERE id = :event_id AND state = 'published'
RETURNING id, completed_at, settle_after;

-- name: event_day(event_id, day_id)^
SELECT id, number, starts_at, ends_at FROM event_days WHERE event_id = :event_id AND id = :day_id;

-- name: holders_of_day(event_id, day_id, after_id, limit)
-- The distinct holders of the event's valid tickets that admit to the day, in id order, after after_id.
SELECT DISTINCT t.holder_id
  FROM tickets t JOIN ticket_type_days d ON d.ticket_type_id = t.ticket_type_id AND d.day_id = :day_id
 WHERE t.event_id = :event_id AND t.state = 'valid' AND t.holder_id > :after_id
 ORDER BY t.holder_id
 LIMIT :limit;
