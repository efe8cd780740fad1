UPDATE products SET state = suspended_from WHERE state = 'suspended';
ALTER TABLE products DROP CONSTRAINT products_suspension, DROP COLUMN suspended_from, DROP COLUMN suspended_reason;
ALTER TABLE products DROP CONSTRAINT products_state_check;
ALTER TABLE products ADD CONSTRAINT products_state_check CHECK (state IN ('draft', 'active', 'archived'));
