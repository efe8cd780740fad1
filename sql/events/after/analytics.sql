-- An event's figures for its organizer (docs/events.md, "Analytics"): whole counts and integer
-- minor units, days and hours in the event's time zone.

-- name: views_per_day(event_id)
SELECT day, count(*)::integer AS viewers FROM event_views WHERE event_id = :event_id GROUP BY day ORDER BY day;

-- name: distinct_viewers(event_id)$
SELECT count(DISTINCT viewer_key)::integer FROM event_views WHERE event_id = :event_id;

-- name: sales_per_day(event_id, time_zone)
-- Tickets first issued (a transfer's new ticket is not a sale) by the day they were issued,
-- per ticket type; a ticket since cancelled (refunded) is not counted.
SELECT (t.issued_at AT TIME ZONE :time_zone)::date AS day, t.ticket_type_id, tt.name AS ticket_type_name,
       count(*)::integer AS tickets, coalesce(sum(t.price), 0)::bigint AS revenue
  FROM tickets t JOIN ticket_types tt ON tt.id = t.ticket_type_id
 WHERE t.event_id = :event_id AND t.replaces IS NULL AND t.state <> 'cancelled'
 GROUP BY 1, 2, 3
 ORDER BY 1, tt.name, 2;

-- name: distinct_buyers(event_id)$
SELECT count(DISTINCT o.buyer_id)::integer
  FROM ticket_orders o
 WHERE o.event_id = :event_id
   AND EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id AND t.replaces IS NULL AND t.state <> 'cancelled');

-- name: checkins_per_hour(event_id, time_zone)
SELECT d.id AS day_id, d.number, extract(hour FROM c.scanned_at AT TIME ZONE :time_zone)::integer AS hour,
       count(*)::integer AS checkins
  FROM checkins c JOIN event_days d ON d.id = c.day_id
 WHERE c.event_id = :event_id
 GROUP BY 1, 2, 3
 ORDER BY 2, 3;
