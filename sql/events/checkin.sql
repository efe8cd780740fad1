-- Admissions at the door, the offline scanners' uploads and the check-in dashboard
-- (docs/events.md, "Check-in").

-- name: checkin_event(id)^
SELECT id, organizer_id, state, title, time_zone FROM events WHERE id = :id;

-- name: checkin_ticket(ticket_id)^
SELECT t.id, t.event_id, t.ticket_type_id, t.order_id, t.holder_id, t.state, t.code, t.key_id,
       o.state AS order_state, tt.name AS type_name, u.display_name AS holder_name,
       e.organizer_id, e.state AS event_state, e.title
  FROM tickets t
  JOIN ticket_orders o ON o.id = t.order_id
  JOIN ticket_types tt ON tt.id = t.ticket_type_id
  JOIN users u ON u.id = t.holder_id
  JOIN events e ON e.id = t.event_id
 WHERE t.id = :ticket_id;

-- name: checkin_ticket_by_code(event_id, code)^
SELECT t.id, t.event_id, t.ticket_type_id, t.order_id, t.holder_id, t.state, t.code, t.key_id,
       o.state AS order_state, tt.name AS type_name, u.display_name AS holder_name,
       e.organizer_id, e.state AS event_state, e.title
  FROM tickets t
  JOIN ticket_orders o ON o.id = t.order_id
  JOIN ticket_types tt ON tt.id = t.ticket_type_id
  JOIN users u ON u.id = t.holder_id
  JOIN events e ON e.id = t.event_id
 WHERE t.event_id = :event_id AND t.code = :code;

-- name: checkin_days(event_id, ticket_type_id)
-- The event's days, each with whether the ticket type admits it (a type with no days listed
-- admits every day).
SELECT d.id, d.number, d.starts_at, d.ends_at, d.starts_at - d.doors_open AS doors_at,
       (EXISTS (SELECT 1 FROM ticket_type_days x WHERE x.ticket_type_id = :ticket_type_id AND x.day_id = d.id)
        OR NOT EXISTS (SELECT 1 FROM ticket_type_days x WHERE x.ticket_type_id = :ticket_type_id)) AS admits
  FROM event_days d WHERE d.event_id = :event_id ORDER BY d.number;

-- name: checkin_insert(ticket_id, day_id, event_id, method, gate, by_user_id, scanner_id, kiosk_id, offline, scanned_at)$
-- The rule the primary key keeps: a ticket admitted once per day. Two scanners at the same
-- instant: one row is written, the other statement waits for it and writes nothing.
INSERT INTO checkins (ticket_id, day_id, event_id, method, gate, by_user_id, scanner_id, kiosk_id, offline, scanned_at)
VALUES (:ticket_id, :day_id, :event_id, :method, :gate, :by_user_id, :scanner_id, :kiosk_id, :offline, :scanned_at)
ON CONFLICT (ticket_id, day_id) DO NOTHING
RETURNING true;

-- name: checkin_one(ticket_id, day_id)^
SELECT c.ticket_id, c.day_id, d.number AS day_number, c.event_id, c.method, c.gate, c.by_user_id,
       bu.display_name AS by_name, c.scanner_id, s.name AS scanner_name, c.kiosk_id, k.name AS kiosk_name,
       c.offline, c.scanned_at, c.recorded_at, t.holder_id, hu.display_name AS holder_name, t.ticket_type_id,
       tt.name AS type_name
  FROM checkins c
  JOIN event_days d ON d.id = c.day_id
  JOIN tickets t ON t.id = c.ticket_id
  JOIN ticket_types tt ON tt.id = t.ticket_type_id
  JOIN users hu ON hu.id = t.holder_id
  LEFT JOIN users bu ON bu.id = c.by_user_id
  LEFT JOIN event_scanners s ON s.id = c.scanner_id
  LEFT JOIN kiosks k ON k.id = c.kiosk_id
 WHERE c.ticket_id = :ticket_id AND c.day_id = :day_id;

-- name: checkin_latest(event_id, count)
SELECT c.ticket_id, c.day_id, d.number AS day_number, c.event_id, c.method, c.gate, c.by_user_id,
       bu.display_name AS by_name, c.scanner_id, s.name AS scanner_name, c.kiosk_id, k.name AS kiosk_name,
       c.offline, c.scanned_at, c.recorded_at, t.holder_id, hu.display_name AS holder_name, t.ticket_type_id,
       tt.name AS type_name
  FROM (SELECT * FROM checkins WHERE event_id = :event_id ORDER BY recorded_at DESC LIMIT :count) c
  JOIN event_days d ON d.id = c.day_id
  JOIN tickets t ON t.id = c.ticket_id
  JOIN ticket_types tt ON tt.id = t.ticket_type_id
  JOIN users hu ON hu.id = t.holder_id
  LEFT JOIN users bu ON bu.id = c.by_user_id
  LEFT JOIN event_scanners s ON s.id = c.scanner_id
  LEFT JOIN kiosks k ON k.id = c.kiosk_id
 ORDER BY c.recorded_at DESC, c.ticket_id;

-- name: checkin_counts(event_id)
-- Admitted per day and gate (gate null: admitted where no gate was named).
SELECT c.day_id, d.number AS day_number, c.gate, count(*)::integer AS admitted
  FROM checkins c JOIN event_days d ON d.id = c.day_id
 WHERE c.event_id = :event_id
 GROUP BY c.day_id, d.number, c.gate
 ORDER BY d.number, c.gate NULLS FIRST;

-- name: offline_scan(scanner_id, nonce)^
SELECT scanner_id, nonce, event_id, ticket_id, day_id, gate, scanned_at, result, conflict, uploaded_at
  FROM offline_scans WHERE scanner_id = :scanner_id AND nonce = :nonce;

-- name: offline_scan_insert(scanner_id, nonce, event_id, ticket_id, day_id, gate, scanned_at, result, conflict)$
INSERT INTO offline_scans (scanner_id, nonce, event_id, ticket_id, day_id, gate, scanned_at, result, conflict)
VALUES (:scanner_id, :nonce, :event_id, :ticket_id, :day_id, :gate, :scanned_at, :result, :conflict)
ON CONFLICT (scanner_id, nonce) DO NOTHING
RETURNING true;

-- name: checkin_conflicts(event_id, count, before)
-- Offline admissions of tickets another device had already admitted that day, newest first,
-- each with the admission that stood.
SELECT o.scanner_id, sc.name AS scanner_name, o.nonce, o.ticket_id, o.day_id, d.number AS day_number,
       o.gate, o.scanned_at, o.uploaded_at, t.holder_id, hu.display_name AS holder_name, t.ticket_type_id,
       tt.name AS type_name, c.method AS first_method, c.gate AS first_gate, c.scanned_at AS first_scanned_at,
       c.by_user_id AS first_by_user_id, bu.display_name AS first_by_name, c.scanner_id AS first_scanner_id,
       fs.name AS first_scanner_name, c.kiosk_id AS first_kiosk_id, k.name AS first_kiosk_name
  FROM offline_scans o
  JOIN event_scanners sc ON sc.id = o.scanner_id
  JOIN event_days d ON d.id = o.day_id
  JOIN tickets t ON t.id = o.ticket_id
  JOIN ticket_types tt ON tt.id = t.ticket_type_id
  JOIN users hu ON hu.id = t.holder_id
  LEFT JOIN checkins c ON c.ticket_id = o.ticket_id AND c.day_id = o.day_id
  LEFT JOIN users bu ON bu.id = c.by_user_id
  LEFT JOIN event_scanners fs ON fs.id = c.scanner_id
  LEFT JOIN kiosks k ON k.id = c.kiosk_id
 WHERE o.event_id = :event_id AND o.conflict
   AND (CAST(:before AS timestamptz) IS NULL OR o.uploaded_at < :before)
 ORDER BY o.uploaded_at DESC, o.nonce
 LIMIT :count;

-- name: event_days_of(event_id)
SELECT id, number, starts_at, ends_at, starts_at - doors_open AS doors_at, title
  FROM event_days WHERE event_id = :event_id ORDER BY number;

-- name: ticket_types_with_days(event_id)
SELECT tt.id, tt.name, tt.kind,
       coalesce(array_agg(x.day_id ORDER BY d.number) FILTER (WHERE x.day_id IS NOT NULL), '{}') AS day_ids
  FROM ticket_types tt
  LEFT JOIN ticket_type_days x ON x.ticket_type_id = tt.id
  LEFT JOIN event_days d ON d.id = x.day_id
 WHERE tt.event_id = :event_id
 GROUP BY tt.id, tt.name, tt.kind, tt.position
 ORDER BY tt.position, tt.id;
