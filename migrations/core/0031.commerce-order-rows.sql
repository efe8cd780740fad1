-- depends: 0030.commerce-search-by-index
-- An order as the commerce area reads it (sql/commerce/orders.sql): its columns and its shop's
-- name and handle, named once for every query that reads orders; and the operators' list of the
-- orders in one state (the disputes to decide).
CREATE VIEW order_rows AS
SELECT o.id, o.checkout_id, o.buyer_id, o.shop_id, o.seller_id, o.state, o.stock_state, o.currency, o.subtotal,
       o.delivery_fee, o.total, o.fulfilment, o.address, o.hold_id, o.tracking, o.reserved_until, o.cancel_reason,
       o.dispute_reason, o.resolution, o.created_at, o.paid_at, o.accepted_at, o.shipped_at, o.delivered_at,
       o.completed_at, o.cancelled_at, o.disputed_at, o.refunded_at, o.auto_complete_at, o.updated_at,
       s.name AS shop_name, s.handle AS shop_handle
  FROM orders o JOIN shops s ON s.id = o.shop_id;

CREATE INDEX orders_in_state ON orders (state, created_at, id);
