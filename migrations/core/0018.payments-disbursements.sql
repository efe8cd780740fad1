-- depends: 0016.payments-payments
-- Disbursements (docs/payments.md, "Refunds and payouts"): money Nexgate sends to a phone
-- through a provider's payout API (Daraja B2C, Selcom wallet cash-in, TemboPlus wallet-to-
-- mobile): a refund of a hold back to the number that paid it, or a payout of a seller's or
-- organizer's balance to their payout number. The ledger already moved the money into refunds
-- or payouts in flight when the row was written; the provider's word moves it on (settled) or
-- back to where it came from (failed).

-- The provider's charge for a payout, by provider, currency and amount band: the fee of an
-- amount is that of the smallest up_to at or above it. The payee bears it: a payout of X sends
-- X - fee to the phone. Operators keep this table to the providers' tariffs.
CREATE TABLE payment_payout_fees (
    provider   text    NOT NULL CHECK (provider IN ('daraja', 'selcom', 'tembo')),
    currency   text    NOT NULL CHECK (currency IN ('TZS', 'KES', 'UGX')),
    up_to      bigint  NOT NULL CHECK (up_to > 0),
    fee        bigint  NOT NULL CHECK (fee >= 0),
    PRIMARY KEY (provider, currency, up_to)
);
INSERT INTO payment_payout_fees (provider, currency, up_to, fee) VALUES
    ('daraja', 'KES',   10000,      0),   -- up to KES 100: free
    ('daraja', 'KES',  150000,   1500),   -- up to KES 1,500: KES 15
    ('daraja', 'KES', 25000000,  3300),   -- up to KES 250,000: KES 33
    ('selcom', 'TZS',  1000000,  50000),  -- up to TZS 10,000: TZS 500
    ('selcom', 'TZS', 500000000, 150000), -- up to TZS 5,000,000: TZS 1,500
    ('tembo',  'TZS',  1000000,  50000),
    ('tembo',  'TZS', 500000000, 150000),
    ('tembo',  'KES', 25000000,  3300);

CREATE TABLE payment_disbursements (
    id                      uuid        PRIMARY KEY,
    reference               text        NOT NULL UNIQUE CHECK (reference ~ '^[A-Za-z0-9]{8,40}$'),  -- ours, sent to the provider
    kind                    text        NOT NULL CHECK (kind IN ('refund', 'payout')),
    user_id                 uuid        NOT NULL REFERENCES users (id),  -- who receives it
    refund_id               uuid        UNIQUE REFERENCES payment_refunds (id),  -- a refund's
    hold_id                 uuid        REFERENCES payment_holds (id),  -- the hold a refund comes out of
    payment_id              uuid        REFERENCES payments (id),  -- the payment a refund goes back through
    method_id               uuid        REFERENCES payment_methods (id),  -- a payout's number
    provider                text        NOT NULL CHECK (provider IN ('daraja', 'selcom', 'tembo')),
    msisdn                  text        NOT NULL CHECK (msisdn ~ '^\+[1-9][0-9]{6,14}$'),
    amount                  bigint      NOT NULL CHECK (amount > 0),  -- taken from the ledger
    fee                     bigint      NOT NULL DEFAULT 0 CHECK (fee >= 0 AND fee < amount),  -- the provider's charge
    currency                text        NOT NULL CHECK (currency IN ('TZS', 'KES', 'UGX')),
    status                  text        NOT NULL DEFAULT 'pending'
                                        CHECK (status IN ('pending', 'succeeded', 'failed', 'review')),
    -- What became of the request to the provider: queued (not sent yet), sent (the provider took
    -- it), unconfirmed (it timed out or answered 5xx: it may have been acted on, so it is asked
    -- about before anything is sent again), refused (the provider said no at once).
    send                    text        NOT NULL DEFAULT 'queued'
                                        CHECK (send IN ('queued', 'sent', 'unconfirmed', 'refused')),
    provider_transaction_id text        CHECK (length(provider_transaction_id) BETWEEN 1 AND 100),
    receipt                 text        CHECK (length(receipt) BETWEEN 1 AND 100),
    failure_code            text        CHECK (length(failure_code) <= 100),
    failure_message         text        CHECK (length(failure_message) <= 500),
    review_reason           text        CHECK (length(review_reason) <= 500),
    entry_id                uuid        NOT NULL REFERENCES ledger_entries (id),  -- the money into in flight
    closed_entry_id         uuid        REFERENCES ledger_entries (id),  -- on (settled) or back (failed)
    checks                  integer     NOT NULL DEFAULT 0 CHECK (checks >= 0),
    next_check_at           timestamptz,  -- when the disburser sends it or asks about it next
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    settled_at              timestamptz,
    UNIQUE (provider, provider_transaction_id),
    CHECK ((kind = 'refund') = (refund_id IS NOT NULL AND hold_id IS NOT NULL)),
    CHECK ((kind = 'payout') = (method_id IS NOT NULL)),
    CHECK ((status IN ('succeeded', 'failed')) = (closed_entry_id IS NOT NULL)),
    CHECK ((status = 'pending') = (settled_at IS NULL))
);
CREATE INDEX payment_disbursements_of_user ON payment_disbursements (user_id, created_at DESC, id DESC);
CREATE INDEX payment_disbursements_due ON payment_disbursements (next_check_at) WHERE status = 'pending';

CREATE TABLE payment_disbursement_timeline (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    disbursement_id  uuid        NOT NULL REFERENCES payment_disbursements (id),
    status           text        NOT NULL,
    step             text        NOT NULL CHECK (step ~ '^[a-z_]+$'),
    note             text        NOT NULL CHECK (length(note) BETWEEN 1 AND 500),
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_disbursement_timeline_of ON payment_disbursement_timeline (disbursement_id, id);

-- A seller's standing order: pay out the whole balance in a currency to a number every day or
-- week, when it is at least the minimum.
CREATE TABLE payment_payout_schedules (
    user_id     uuid        NOT NULL REFERENCES users (id),
    currency    text        NOT NULL CHECK (currency IN ('TZS', 'KES', 'UGX')),
    method_id   uuid        NOT NULL REFERENCES payment_methods (id),
    every       text        NOT NULL CHECK (every IN ('daily', 'weekly')),
    next_run_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, currency)
);
CREATE INDEX payment_payout_schedules_due ON payment_payout_schedules (next_run_at);
