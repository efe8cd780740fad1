-- depends: 0012.payments-ledger 0013.payments-methods
-- Payments (docs/payments.md, "Paying" and "Callbacks and reconciliation"): a payer's attempt
-- to pay an amount into an escrow hold through a mobile money provider, its status timeline,
-- the payers a hold takes money from, and the callbacks that arrived before their initiation's
-- answer was recorded.

-- Who may pay into a hold: the area that opened it names its payers (the buyer of an order,
-- each member of a group buy), through payments.payments.allow_payer.
CREATE TABLE payment_hold_payers (
    hold_id     uuid        NOT NULL REFERENCES payment_holds (id),
    user_id     uuid        NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hold_id, user_id)
);

CREATE TABLE payments (
    id                      uuid        PRIMARY KEY,
    reference               text        NOT NULL UNIQUE CHECK (reference ~ '^[A-Za-z0-9]{8,40}$'),  -- ours, sent to the provider
    kind                    text        NOT NULL DEFAULT 'collection' CHECK (kind IN ('collection')),
    payer_id                uuid        NOT NULL REFERENCES users (id),
    hold_id                 uuid        NOT NULL REFERENCES payment_holds (id),
    method_id               uuid        NOT NULL REFERENCES payment_methods (id),
    provider                text        NOT NULL CHECK (provider IN ('daraja', 'selcom', 'tembo')),
    msisdn                  text        NOT NULL CHECK (msisdn ~ '^\+[1-9][0-9]{6,14}$'),
    amount                  bigint      NOT NULL CHECK (amount > 0),
    currency                text        NOT NULL CHECK (currency IN ('TZS', 'KES', 'UGX')),
    status                  text        NOT NULL DEFAULT 'pending'
                                        CHECK (status IN ('pending', 'succeeded', 'failed', 'expired', 'review')),
    -- What became of the prompt: sent (the provider took it), unconfirmed (it timed out or
    -- answered 5xx: it may have reached the phone), refused (the provider said no at once).
    prompt                  text        NOT NULL DEFAULT 'sending'
                                        CHECK (prompt IN ('sending', 'sent', 'unconfirmed', 'refused')),
    provider_transaction_id text        CHECK (length(provider_transaction_id) BETWEEN 1 AND 100),
    receipt                 text        CHECK (length(receipt) BETWEEN 1 AND 100),
    failure_code            text        CHECK (length(failure_code) <= 100),
    failure_message         text        CHECK (length(failure_message) <= 500),
    review_reason           text        CHECK (length(review_reason) <= 500),
    funding_id              uuid        UNIQUE REFERENCES payment_hold_fundings (id),
    checks                  integer     NOT NULL DEFAULT 0 CHECK (checks >= 0),  -- reconciliation's queries so far
    next_check_at           timestamptz,  -- when reconciliation asks the provider next (pending only)
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    settled_at              timestamptz,
    UNIQUE (provider, provider_transaction_id),
    CHECK ((status = 'succeeded') = (funding_id IS NOT NULL)),
    CHECK ((status = 'pending') = (settled_at IS NULL))
);
CREATE INDEX payments_of_payer ON payments (payer_id, created_at DESC, id DESC);
CREATE INDEX payments_pending_into_hold ON payments (hold_id) WHERE status = 'pending';
CREATE INDEX payments_due_check ON payments (next_check_at) WHERE status = 'pending';

-- Every step of a payment, oldest first: what the payer's timeline shows.
CREATE TABLE payment_timeline (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id  uuid        NOT NULL REFERENCES payments (id),
    status      text        NOT NULL,
    step        text        NOT NULL CHECK (step ~ '^[a-z_]+$'),
    note        text        NOT NULL CHECK (length(note) BETWEEN 1 AND 500),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_timeline_of_payment ON payment_timeline (payment_id, id);

-- A callback that named a provider transaction no payment had recorded yet: a provider may
-- call back before its initiation's answer reached us. The initiation looks here when it
-- records the provider's id (both under one advisory lock per transaction id).
CREATE TABLE payment_early_callbacks (
    provider                text        NOT NULL CHECK (provider IN ('daraja', 'selcom', 'tembo')),
    provider_transaction_id text        NOT NULL CHECK (length(provider_transaction_id) BETWEEN 1 AND 100),
    received_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, provider_transaction_id)
);
