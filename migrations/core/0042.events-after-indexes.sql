-- depends: 0036.events-tickets
-- After the doors (docs/events.md, "Attendees", "Reviews of the organizer", "Money"): an event's
-- reviews newest first, the events whose settlement waits or is held for an operator, and an
-- event's paid ticket orders in id order (the batches of a cancellation's refunds).
CREATE INDEX event_reviews_of_event ON event_reviews (event_id, created_at, id);
CREATE INDEX events_settlement ON events (settlement, settle_after, id) WHERE settlement IN ('waiting', 'held');
CREATE INDEX ticket_orders_paid_of_event ON ticket_orders (event_id, id) WHERE state = 'paid';
