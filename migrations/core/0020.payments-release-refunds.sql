-- depends: 0018.payments-disbursements
-- Each payee's share of each release of a hold (docs/payments.md, "Refunds after a release"):
-- what it gave them (gross, the platform's fee, net) and how much of it has since been refunded
-- to the payers out of their balance and the fee revenue.
CREATE TABLE payment_hold_releases (
    id            uuid        PRIMARY KEY,
    seq           bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    hold_id       uuid        NOT NULL REFERENCES payment_holds (id),
    payee_id      uuid        NOT NULL REFERENCES users (id),
    gross         bigint      NOT NULL CHECK (gross > 0),
    fee           bigint      NOT NULL CHECK (fee BETWEEN 0 AND gross),
    refunded      bigint      NOT NULL DEFAULT 0 CHECK (refunded BETWEEN 0 AND gross),  -- of the gross
    fee_refunded  bigint      NOT NULL DEFAULT 0 CHECK (fee_refunded BETWEEN 0 AND fee),
    entry_id      uuid        NOT NULL REFERENCES ledger_entries (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_hold_releases_of_payee ON payment_hold_releases (hold_id, payee_id, seq);
