-- Buying tickets and the tickets (domain/events/checkout.py, tickets.py, ticket_orders.py).

-- name: ticketing_event(id)^
-- What checkout and the tickets need of an event.
SELECT id, organizer_id, state, title, format, currency, time_zone, starts_at, ends_at, streaming_url, venue_name
  FROM events WHERE id = :id;

-- name: ticketing_event_share(id)^
-- The event, its row share-locked: a cancellation (which locks it to refund every order) waits
-- for the checkouts under way, and they see it cancelled after.
SELECT id, organizer_id, state, title, format, currency, time_zone, starts_at, ends_at, streaming_url, venue_name
  FROM events WHERE id = :id FOR SHARE;

-- name: ticketing_types(event_id, ids)
-- The event's ticket types among these ids (archived ones included: the caller refuses them).
SELECT id, event_id, name, kind, price, quantity, committed, per_order_limit, sales_start_at, sales_end_at,
       visibility, archived_at
  FROM ticket_types WHERE event_id = :event_id AND id = ANY (CAST(:ids AS uuid[]));

-- name: ticketing_type_days(ids)
-- The day numbers each of these ticket types admits (its rows of ticket_type_days; a type with
-- none admits every day of its event).
SELECT ttd.ticket_type_id, d.number
  FROM ticket_type_days ttd JOIN event_days d ON d.id = ttd.day_id
 WHERE ttd.ticket_type_id = ANY (CAST(:ids AS uuid[]))
 ORDER BY ttd.ticket_type_id, d.number;

-- name: ticketing_event_day_numbers(event_id)
SELECT number FROM event_days WHERE event_id = :event_id ORDER BY number;

-- name: ticket_type_reserve(n, id)^
-- The one conditional UPDATE that keeps a ticket type from being oversold: no row when fewer
-- than n are left.
UPDATE ticket_types SET committed = committed + :n, updated_at = now()
 WHERE id = :id AND committed + :n <= quantity
RETURNING id, quantity, committed;

-- name: ticket_type_release(n, id)^
UPDATE ticket_types SET committed = committed - :n, updated_at = now()
 WHERE id = :id AND committed >= :n
RETURNING id, quantity, committed;

-- name: ticket_type_left(id)^
SELECT quantity - committed AS available FROM ticket_types WHERE id = :id;

-- name: ticket_order_insert(id, event_id, buyer_id, organizer_id, state, currency, total, hold_id, idempotency_key, request_hash, reserved_until)^
INSERT INTO ticket_orders (id, event_id, buyer_id, organizer_id, state, currency, total, hold_id, idempotency_key,
                           request_hash, reserved_until, paid_at)
VALUES (:id, :event_id, :buyer_id, :organizer_id, :state, :currency, :total, :hold_id, :idempotency_key,
        :request_hash, :reserved_until, CASE WHEN CAST(:state AS text) = 'paid' THEN now() END)
ON CONFLICT (buyer_id, idempotency_key) DO NOTHING
RETURNING id;

-- name: ticket_order_line_insert(order_id, ticket_type_id, quantity, unit_price, type_name)!
INSERT INTO ticket_order_lines (order_id, ticket_type_id, quantity, unit_price, line_total, type_name)
VALUES (:order_id, :ticket_type_id, :quantity, :unit_price, CAST(:unit_price AS bigint) * CAST(:quantity AS integer), :type_name);

-- name: ticket_order_by_key(buyer_id, idempotency_key)^
SELECT o.*, e.title AS event_title FROM ticket_orders o JOIN events e ON e.id = o.event_id
 WHERE o.buyer_id = :buyer_id AND o.idempotency_key = :idempotency_key;

-- name: ticket_order_by_id(id)^
SELECT o.*, e.title AS event_title FROM ticket_orders o JOIN events e ON e.id = o.event_id WHERE o.id = :id;

-- name: ticket_order_lock(id)^
SELECT o.*, e.title AS event_title FROM ticket_orders o JOIN events e ON e.id = o.event_id
 WHERE o.id = :id FOR UPDATE OF o;

-- name: ticket_order_pay(id)^
-- pending_payment -> paid, only from that state.
UPDATE ticket_orders SET state = 'paid', paid_at = now(), reserved_until = NULL, updated_at = now()
 WHERE id = :id AND state = 'pending_payment'
RETURNING id;

-- name: ticket_order_close(state, reason, id, from_state)^
-- pending_payment -> cancelled, or paid -> refunded (every ticket refunded), only from the state the caller saw.
UPDATE ticket_orders SET state = :state, cancel_reason = :reason, closed_at = now(), reserved_until = NULL,
       updated_at = now()
 WHERE id = :id AND state = :from_state
RETURNING id;

-- name: ticket_order_lines(order_ids)
SELECT order_id, ticket_type_id, quantity, unit_price, line_total, type_name
  FROM ticket_order_lines WHERE order_id = ANY (CAST(:order_ids AS uuid[])) ORDER BY order_id, ticket_type_id;

-- name: ticket_orders_of_buyer_page(buyer_id, before_at, before_id, limit)
-- The buyer's ticket orders, newest first.
SELECT o.*, e.title AS event_title FROM ticket_orders o JOIN events e ON e.id = o.event_id
 WHERE o.buyer_id = :buyer_id AND (o.created_at, o.id) < (:before_at, :before_id)
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT :limit;

-- name: ticket_insert(id, event_id, ticket_type_id, order_id, holder_id, code, price, key_id, payload, signature, valid_from, valid_until, replaces)^
-- A new ticket; no row when its short code is taken at the event already (the caller draws another).
INSERT INTO tickets (id, event_id, ticket_type_id, order_id, holder_id, code, price, key_id, payload, signature,
                     valid_from, valid_until, replaces)
VALUES (:id, :event_id, :ticket_type_id, :order_id, :holder_id, :code, :price, :key_id, :payload, :signature,
        :valid_from, :valid_until, :replaces)
ON CONFLICT (event_id, code) DO NOTHING
RETURNING id;

-- name: ticket_row(id)^
SELECT * FROM ticket_rows WHERE id = :id;

-- name: ticket_lock(id)^
SELECT * FROM tickets WHERE id = :id FOR UPDATE;

-- name: ticket_rows_of_order(order_ids)
SELECT * FROM ticket_rows WHERE order_id = ANY (CAST(:order_ids AS uuid[])) ORDER BY issued_at, id;

-- name: ticket_rows_of_holder_page(holder_id, before_at, before_id, limit)
-- The holder's tickets, newest first.
SELECT * FROM ticket_rows WHERE holder_id = :holder_id AND (issued_at, id) < (:before_at, :before_id)
 ORDER BY issued_at DESC, id DESC
 LIMIT :limit;

-- name: ticket_revoke(state, reason, replaced_by, id)^
-- valid -> cancelled or transferred, only while valid.
UPDATE tickets SET state = :state, revoked_at = now(), revoke_reason = :reason, replaced_by = :replaced_by
 WHERE id = :id AND state = 'valid'
RETURNING id, revoked_at;

-- name: ticket_revocations(event_id, since)
-- The event's tickets that no longer admit, in the order they stopped (since: after that instant).
SELECT id, code, state, revoke_reason, revoked_at FROM tickets
 WHERE event_id = :event_id AND state <> 'valid'
   AND (CAST(:since AS timestamptz) IS NULL OR revoked_at > :since)
 ORDER BY revoked_at, id;

-- name: ticket_valid_count_of_order(order_id)$
SELECT count(*) FROM tickets WHERE order_id = :order_id AND state = 'valid';

-- name: tickets_to_renew(event_id, after_at, after_id, limit)
-- The event's valid tickets after (after_at, after_id) in (issued_at, id) order: those a
-- renewal signs again when their payload no longer says what they admit.
SELECT id, ticket_type_id, order_id, holder_id, payload, valid_from, valid_until, issued_at
  FROM tickets
 WHERE event_id = :event_id AND state = 'valid' AND (issued_at, id) > (:after_at, :after_id)
 ORDER BY issued_at, id
 LIMIT :limit;

-- name: ticket_renew(id, old_payload, key_id, payload, signature, valid_until)^
-- A valid ticket's payload signed again, unless it changed (revoked, transferred, renewed) meanwhile.
UPDATE tickets SET key_id = :key_id, payload = :payload, signature = :signature, valid_until = :valid_until
 WHERE id = :id AND state = 'valid' AND payload = :old_payload
RETURNING id;
