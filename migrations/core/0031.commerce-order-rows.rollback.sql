DROP INDEX orders_in_state;
DROP VIEW order_rows;
