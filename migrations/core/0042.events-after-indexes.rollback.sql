DROP INDEX ticket_orders_paid_of_event;
DROP INDEX events_settlement;
DROP INDEX event_reviews_of_event;
