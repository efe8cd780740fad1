-- depends: 0033.events-search
-- Buying tickets and the tickets themselves (docs/events.md, "Buying tickets", "The ticket
-- format"): why an order was cancelled and why a ticket stopped admitting, and a ticket as the
-- events area reads it (sql/events/tickets.sql): its columns with its event's and its type's
-- names, named once for every query that reads tickets.
ALTER TABLE ticket_orders ADD COLUMN cancel_reason text CHECK (length(cancel_reason) BETWEEN 1 AND 500);
ALTER TABLE tickets ADD COLUMN revoke_reason text CHECK (revoke_reason IN ('refunded', 'cancelled', 'transferred'));

CREATE VIEW ticket_rows AS
SELECT t.id, t.event_id, t.ticket_type_id, t.order_id, t.holder_id, t.state, t.code, t.price, t.key_id,
       t.payload, t.signature, t.valid_from, t.valid_until, t.replaces, t.replaced_by, t.issued_at, t.revoked_at,
       t.revoke_reason,
       e.title AS event_title, e.format AS event_format, e.state AS event_state, e.starts_at AS event_starts_at,
       e.ends_at AS event_ends_at, e.time_zone AS event_time_zone, e.venue_name AS event_venue_name,
       e.streaming_url AS event_streaming_url, e.currency, e.organizer_id,
       tt.name AS type_name, tt.kind AS type_kind
  FROM tickets t
  JOIN events e ON e.id = t.event_id
  JOIN ticket_types tt ON tt.id = t.ticket_type_id;
