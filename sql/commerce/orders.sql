-- Orders, their items and their timeline (docs/commerce.md, "Orders"). An order is read with its
-- shop's name and handle as they are now.

-- name: place_order(id, checkout_id, buyer_id, shop_id, seller_id, currency, subtotal, delivery_fee, total, fulfilment, address, hold_id, reserved_until, product_ids, variant_ids, quantities, unit_prices, product_names, variant_labels, skus, event_id, routing_key, payload)^
-- An order placed in one statement: its row (as order_rows shows it), its items (numbered in
-- the order given, as items_of_order reads them), the first step of its timeline (the buyer
-- placed it, as transitions_of_order reads it), its event (checked by bus.pending; the shop's
-- name is added here) and the buyer's card (as buyer_cards reads it).
WITH placed AS (
    INSERT INTO orders (id, checkout_id, buyer_id, shop_id, seller_id, currency, subtotal, delivery_fee, total,
                        fulfilment, address, hold_id, reserved_until)
    VALUES (:id, :checkout_id, :buyer_id, :shop_id, :seller_id, :currency, :subtotal, :delivery_fee, :total,
            :fulfilment, :address, :hold_id, :reserved_until)
    RETURNING *
), items AS (
    INSERT INTO order_items (order_id, position, product_id, variant_id, quantity, unit_price, line_total,
                             product_name, variant_label, sku)
    SELECT :id, item.position - 1, item.product_id, item.variant_id, item.quantity, item.unit_price,
           item.unit_price * item.quantity, item.product_name, item.variant_label, item.sku
      FROM unnest(CAST(:product_ids AS uuid[]), CAST(:variant_ids AS uuid[]), CAST(:quantities AS integer[]),
                  CAST(:unit_prices AS bigint[]), CAST(:product_names AS text[]), CAST(:variant_labels AS text[]),
                  CAST(:skus AS text[]))
           WITH ORDINALITY AS item (product_id, variant_id, quantity, unit_price, product_name, variant_label, sku,
                                    position)
    RETURNING position, product_id, variant_id, quantity, unit_price, line_total, product_name, variant_label, sku
), step AS (
    INSERT INTO order_transitions (order_id, from_state, to_state, actor, actor_id)
    VALUES (:id, NULL, 'pending_payment', 'buyer', :buyer_id)
    RETURNING from_state, to_state, actor, actor_id, note, at
), event AS (
    INSERT INTO outbox (id, routing_key, payload)
    SELECT :event_id, :routing_key, CAST(:payload AS jsonb) || jsonb_build_object('shop_name', s.name)
      FROM placed p JOIN shops s ON s.id = p.shop_id
)
SELECT p.*, s.name AS shop_name, s.handle AS shop_handle,
       (SELECT array_agg((i.position, i.product_id, i.variant_id, i.quantity, i.unit_price, i.line_total,
                          i.product_name, i.variant_label, i.sku) ORDER BY i.position) FROM items i) AS items,
       (SELECT (t.from_state, t.to_state, t.actor, t.actor_id, t.note, t.at) FROM step t) AS step,
       (SELECT (u.id, u.username, u.display_name, u.avatar_media_id, u.verified_at) FROM users u
         WHERE u.id = :buyer_id) AS buyer
  FROM placed p JOIN shops s ON s.id = p.shop_id;

-- name: order_by_id(id)^
SELECT * FROM order_rows WHERE id = :id;

-- name: lock_order(id)^
-- The order's row locked (not its shop's: the view's join would lock that too).
SELECT * FROM order_rows WHERE id = (SELECT id FROM orders WHERE id = :id FOR UPDATE);

-- name: move_order(id, from_state, to_state, set_columns, stock_state, hold_id, tracking, reserved_until, cancel_reason, dispute_reason, resolution, auto_complete_at)^
-- One step of the state machine, taken only from the state the caller saw: of two concurrent
-- moves of one order, one finds its state changed and moves nothing. set_columns names the
-- columns given (a column not named keeps its value, one named may be set to null).
WITH moved AS (
    UPDATE orders
       SET state = :to_state, updated_at = now(),
           paid_at = CASE WHEN :to_state = 'paid' THEN now() ELSE paid_at END,
           accepted_at = CASE WHEN :to_state = 'accepted' THEN now() ELSE accepted_at END,
           shipped_at = CASE WHEN :to_state = 'shipped' THEN now() ELSE shipped_at END,
           delivered_at = CASE WHEN :to_state = 'delivered' THEN now() ELSE delivered_at END,
           completed_at = CASE WHEN :to_state = 'completed' THEN now() ELSE completed_at END,
           cancelled_at = CASE WHEN :to_state = 'cancelled' THEN now() ELSE cancelled_at END,
           disputed_at = CASE WHEN :to_state = 'disputed' THEN now() ELSE disputed_at END,
           refunded_at = CASE WHEN :to_state = 'refunded' THEN now() ELSE refunded_at END,
           stock_state = CASE WHEN 'stock_state' = ANY (CAST(:set_columns AS text[])) THEN :stock_state
                              ELSE stock_state END,
           hold_id = CASE WHEN 'hold_id' = ANY (CAST(:set_columns AS text[])) THEN :hold_id ELSE hold_id END,
           tracking = CASE WHEN 'tracking' = ANY (CAST(:set_columns AS text[])) THEN CAST(:tracking AS jsonb)
                           ELSE tracking END,
           reserved_until = CASE WHEN 'reserved_until' = ANY (CAST(:set_columns AS text[])) THEN :reserved_until
                                 ELSE reserved_until END,
           cancel_reason = CASE WHEN 'cancel_reason' = ANY (CAST(:set_columns AS text[])) THEN :cancel_reason
                                ELSE cancel_reason END,
           dispute_reason = CASE WHEN 'dispute_reason' = ANY (CAST(:set_columns AS text[])) THEN :dispute_reason
                                 ELSE dispute_reason END,
           resolution = CASE WHEN 'resolution' = ANY (CAST(:set_columns AS text[])) THEN :resolution
                             ELSE resolution END,
           auto_complete_at = CASE WHEN 'auto_complete_at' = ANY (CAST(:set_columns AS text[])) THEN :auto_complete_at
                                   ELSE auto_complete_at END
     WHERE id = :id AND state = :from_state
 RETURNING id, checkout_id, buyer_id, shop_id, seller_id, state, stock_state, currency, subtotal, delivery_fee, total,
           fulfilment, address, hold_id, tracking, reserved_until, cancel_reason, dispute_reason, resolution,
           created_at, paid_at, accepted_at, shipped_at, delivered_at, completed_at, cancelled_at, disputed_at,
           refunded_at, auto_complete_at, updated_at
)
SELECT m.id, m.checkout_id, m.buyer_id, m.shop_id, m.seller_id, m.state, m.stock_state, m.currency, m.subtotal,
       m.delivery_fee, m.total, m.fulfilment, m.address, m.hold_id, m.tracking, m.reserved_until, m.cancel_reason,
       m.dispute_reason, m.resolution, m.created_at, m.paid_at, m.accepted_at, m.shipped_at, m.delivered_at,
       m.completed_at, m.cancelled_at, m.disputed_at, m.refunded_at, m.auto_complete_at, m.updated_at,
       s.name AS shop_name, s.handle AS shop_handle
  FROM moved m JOIN shops s ON s.id = m.shop_id;

-- name: insert_transition(order_id, from_state, to_state, actor, actor_id, note)!
INSERT INTO order_transitions (order_id, from_state, to_state, actor, actor_id, note)
VALUES (:order_id, :from_state, :to_state, :actor, :actor_id, :note);

-- name: items_of_order(order_id)
SELECT position, product_id, variant_id, quantity, unit_price, line_total, product_name, variant_label, sku
  FROM order_items WHERE order_id = :order_id ORDER BY position;

-- name: transitions_of_order(order_id)
SELECT from_state, to_state, actor, actor_id, note, at FROM order_transitions WHERE order_id = :order_id ORDER BY id;

-- name: orders_of_buyer_page(buyer_id, state, before_at, before_id, limit)
-- The buyer's orders, newest first, of one state or (state null) all.
SELECT * FROM order_rows o
 WHERE o.buyer_id = :buyer_id AND (CAST(:state AS text) IS NULL OR o.state = :state)
   AND (o.created_at, o.id) < (:before_at, :before_id)
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT :limit;

-- name: orders_of_shop_page(shop_id, state, before_at, before_id, limit)
-- The shop's orders, newest first, of one state or (state null) all.
SELECT * FROM order_rows o
 WHERE o.shop_id = :shop_id AND (CAST(:state AS text) IS NULL OR o.state = :state)
   AND (o.created_at, o.id) < (:before_at, :before_id)
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT :limit;

-- name: orders_in_state_page(state, before_at, before_id, limit)
-- Every order in one state, newest first: the operators' list (the disputes to decide).
SELECT * FROM order_rows o
 WHERE o.state = :state AND (o.created_at, o.id) < (:before_at, :before_id)
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT :limit;

-- name: items_of_orders(order_ids)
SELECT order_id, position, product_id, variant_id, quantity, unit_price, line_total, product_name, variant_label, sku
  FROM order_items WHERE order_id = ANY (CAST(:order_ids AS uuid[])) ORDER BY order_id, position;

-- name: buyer_cards(user_ids)
-- The buyers' public cards, for display (docs/architecture.md, "What crosses area lines").
SELECT id, username, display_name, avatar_media_id, verified_at FROM users WHERE id = ANY (CAST(:user_ids AS uuid[]));

-- name: now()$
SELECT now();
