-- An event's attendees for its organizer and managers (docs/events.md, "Attendees"): its
-- tickets with their holders and their check-in on each day.

-- name: attendees_page(event_id, q, state, after_at, after_id, limit)
-- Oldest ticket first; q matches the holder's username or name, or the ticket's code (a
-- substring, case-insensitive); state: only tickets of that state.
SELECT t.id, t.code, t.state, t.price, t.issued_at, t.order_id, t.ticket_type_id, tt.name AS ticket_type_name,
       t.holder_id, u.username, u.display_name,
       coalesce((SELECT jsonb_agg(jsonb_build_object('day_id', d.id, 'number', d.number,
                                                     'checked_in_at', c.scanned_at, 'gate', c.gate,
                                                     'method', c.method) ORDER BY d.number)
                   FROM ticket_type_days td JOIN event_days d ON d.id = td.day_id
                   LEFT JOIN checkins c ON c.ticket_id = t.id AND c.day_id = d.id
                  WHERE td.ticket_type_id = t.ticket_type_id), '[]'::jsonb) AS days
  FROM tickets t JOIN users u ON u.id = t.holder_id JOIN ticket_types tt ON tt.id = t.ticket_type_id
 WHERE t.event_id = :event_id
   AND (CAST(:state AS text) IS NULL OR t.state = :state)
   AND (CAST(:q AS text) IS NULL
        OR u.username ILIKE '%' || :q || '%' OR u.display_name ILIKE '%' || :q || '%'
        OR t.code ILIKE '%' || :q || '%')
   AND (t.issued_at, t.id) > (:after_at, :after_id)
 ORDER BY t.issued_at, t.id
 LIMIT :limit;
