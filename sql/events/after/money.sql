-- Cancellation, the refunds of a cancelled event, and the settlement of a completed one
-- (docs/events.md, "Money"). The event's row is locked first by every query's caller.

-- name: cancel_event(event_id, reason)^
UPDATE events SET state = 'cancelled', cancelled_at = now(), cancel_reason = :reason, updated_at = now()
 WHERE id = :event_id AND state IN ('published', 'unpublished')
RETURNING id, cancelled_at;

-- name: revoke_event_tickets(event_id)
-- Every valid ticket of the event stops admitting: their holders.
UPDATE tickets SET state = 'cancelled', revoked_at = now(), revoke_reason = 'cancelled'
 WHERE event_id = :event_id AND state = 'valid'
RETURNING id, holder_id, ticket_type_id, order_id;

-- name: unpaid_orders(event_id)
-- The event's orders waiting for their payment, in id order (each then locked and cancelled).
SELECT id FROM ticket_orders WHERE event_id = :event_id AND state = 'pending_payment' ORDER BY id;

-- name: release_committed(event_id)
-- A cancelled event holds nothing: no unpaid order, no valid ticket.
UPDATE ticket_types SET committed = 0, updated_at = now() WHERE event_id = :event_id RETURNING id;

-- name: paid_orders_after(event_id, after_id, limit)
-- The event's paid orders with a hold, in id order, after after_id, each locked.
SELECT id, buyer_id, total, currency, hold_id
  FROM ticket_orders
 WHERE event_id = :event_id AND state = 'paid' AND hold_id IS NOT NULL AND id > :after_id
 ORDER BY id
 LIMIT :limit
   FOR UPDATE;

-- name: mark_order_refunded(order_id, reason)!
UPDATE ticket_orders SET state = 'refunded', cancel_reason = :reason, closed_at = now(), updated_at = now()
 WHERE id = :order_id AND state = 'paid';

-- name: cancel_order_tickets(order_id)!
UPDATE tickets SET state = 'cancelled', revoked_at = now(), revoke_reason = 'refunded'
 WHERE order_id = :order_id AND state = 'valid';

-- name: paid_orders_left(event_id)$
-- How many of the event's orders with a hold are still paid (a cancelled event's: frozen by a dispute).
SELECT count(*)::integer FROM ticket_orders WHERE event_id = :event_id AND state = 'paid' AND hold_id IS NOT NULL;

-- name: hold_for_operator(event_id)!
-- A cancelled event's money some of which a dispute froze: held for an operator from now.
UPDATE events SET settlement = 'held', settle_after = coalesce(settle_after, now()), updated_at = now()
 WHERE id = :event_id;

-- name: set_settlement(event_id, settlement)!
UPDATE events SET settlement = :settlement, updated_at = now() WHERE id = :event_id;

-- name: window_reviews(event_id, until)^
-- How many reviews of the event were written before the window closed, and their ratings' sum.
SELECT count(*)::integer AS count, coalesce(sum(rating), 0)::bigint AS total
  FROM event_reviews WHERE event_id = :event_id AND created_at < :until;

-- name: held_events(settlement, after_at, after_id, limit)
-- Events of one settlement (held: waiting for an operator), oldest settle_after first.
SELECT e.id, e.organizer_id, e.state, e.title, e.currency, e.starts_at, e.ends_at, e.completed_at, e.settlement,
       e.settle_after,
       (SELECT count(*) FROM event_reviews r WHERE r.event_id = e.id AND r.created_at < e.settle_after)::integer
           AS window_review_count,
       (SELECT coalesce(sum(r.rating), 0) FROM event_reviews r
         WHERE r.event_id = e.id AND r.created_at < e.settle_after)::bigint AS window_rating_sum,
       (SELECT coalesce(sum(o.total), 0) FROM ticket_orders o
         WHERE o.event_id = e.id AND o.state = 'paid' AND o.hold_id IS NOT NULL)::bigint AS paid_total
  FROM events e
 WHERE e.settlement = :settlement AND (e.settle_after, e.id) > (:after_at, :after_id)
 ORDER BY e.settle_after, e.id
 LIMIT :limit;
