-- depends: 0032.events-schema
-- An operator takes one product down (docs/commerce.md, "States and operators"): suspended, it is
-- seen only by its shop's staff, who see why, and not sold; its staff cannot move it out of that
-- state. Lifting the suspension puts it back in the state it was suspended from.
ALTER TABLE products DROP CONSTRAINT products_state_check;
ALTER TABLE products ADD CONSTRAINT products_state_check
    CHECK (state IN ('draft', 'active', 'archived', 'suspended'));
ALTER TABLE products
    ADD COLUMN suspended_reason text CHECK (length(suspended_reason) BETWEEN 1 AND 500),
    ADD COLUMN suspended_from   text CHECK (suspended_from IN ('draft', 'active', 'archived')),
    ADD CONSTRAINT products_suspension
        CHECK ((state = 'suspended') = (suspended_from IS NOT NULL) AND (state = 'suspended') = (suspended_reason IS NOT NULL));
