DROP VIEW ticket_rows;
ALTER TABLE tickets DROP COLUMN revoke_reason;
ALTER TABLE ticket_orders DROP COLUMN cancel_reason;
