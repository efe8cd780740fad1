-- depends: 0011.users-relationship-function
-- The payments ledger (docs/payments.md, "The ledger"): accounts with a stored balance,
-- journal entries whose lines sum to zero per currency (checked at COMMIT), append-only and
-- hash-chained; and escrow holds, the fundings that paid into them and the refunds out of them.

-- Signs: a line's amount is what it adds to its account's balance. Money entering from a
-- provider is -X on that provider's clearing account and +X on a hold, so a clearing account
-- is negative while the provider owes us what it collected. Only clearing accounts may go
-- negative; every other balance is kept >= 0 by the domain (locks in account id order, then a
-- check) with this table's CHECK as the backstop. A clearing account's balance is moved at
-- COMMIT by ledger_seal_entry (below); the others' when the entry is written.
CREATE TABLE ledger_accounts (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    kind        text        NOT NULL CHECK (kind IN ('user_payable', 'escrow_hold', 'platform_fees',
                                                     'provider_clearing', 'refunds_in_flight', 'payouts_in_flight')),
    currency    text        NOT NULL CHECK (currency IN ('TZS', 'KES', 'UGX')),
    owner_id    uuid,       -- the user of a user_payable account, the hold of an escrow_hold account
    provider    text        CHECK (provider IN ('daraja', 'selcom', 'tembo')),
    balance     bigint      NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'provider_clearing' OR balance >= 0),
    CHECK ((provider IS NOT NULL) = (kind = 'provider_clearing')),
    CHECK ((owner_id IS NOT NULL) = (kind IN ('user_payable', 'escrow_hold'))),
    UNIQUE (id, currency),
    UNIQUE NULLS NOT DISTINCT (kind, currency, owner_id, provider)
);

INSERT INTO ledger_accounts (kind, currency, provider)
SELECT kind, currency, provider
  FROM (VALUES ('TZS'), ('KES'), ('UGX')) AS currencies (currency),
       (VALUES ('platform_fees', NULL), ('refunds_in_flight', NULL), ('payouts_in_flight', NULL),
               ('provider_clearing', 'daraja'), ('provider_clearing', 'selcom'),
               ('provider_clearing', 'tembo')) AS platform (kind, provider);

CREATE TABLE ledger_entries (
    id          uuid        PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind ~ '^[a-z_]+(\.[a-z_]+)*$'),
    -- Who or what caused it: a user (their id), a provider's callback (provider:transaction),
    -- a worker (its name) or an operator (their name), and why.
    cause_kind  text        NOT NULL CHECK (cause_kind IN ('user', 'provider_callback', 'worker', 'operator')),
    cause_id    text        NOT NULL CHECK (length(cause_id) BETWEEN 1 AND 200),
    reason      text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    reverses    uuid        UNIQUE REFERENCES ledger_entries (id),  -- a correction names the entry it undoes
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_lines (
    entry_id    uuid        NOT NULL REFERENCES ledger_entries (id),
    line_no     smallint    NOT NULL CHECK (line_no >= 1),
    account_id  uuid        NOT NULL,
    currency    text        NOT NULL,
    amount      bigint      NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (entry_id, line_no),
    FOREIGN KEY (account_id, currency) REFERENCES ledger_accounts (id, currency)
);
CREATE INDEX ledger_lines_account ON ledger_lines (account_id);

-- The hash chain: each committed entry's link, in commit order. hash = sha256(prev_hash ||
-- sha256(ledger_entry_encoding(entry))); the first prev_hash is 32 zero bytes. The head is one
-- row, locked only by the commit-time trigger, so two transactions cannot fork the chain and a
-- ledger transaction holds the lock only while it commits. The same trigger applies the lines
-- of provider clearing accounts to their balances, under that lock.
CREATE TABLE ledger_chain (
    position    bigint      PRIMARY KEY CHECK (position >= 1),
    entry_id    uuid        NOT NULL UNIQUE REFERENCES ledger_entries (id),
    prev_hash   bytea       NOT NULL CHECK (length(prev_hash) = 32),
    hash        bytea       NOT NULL CHECK (length(hash) = 32)
);

CREATE TABLE ledger_chain_head (
    only_row    boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    position    bigint      NOT NULL,
    hash        bytea       NOT NULL
);
INSERT INTO ledger_chain_head (position, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- The canonical text of an entry and its lines that the chain hashes (version 1); variable
-- text is length-prefixed, the time is microseconds since the epoch. nexgate/domain/payments/
-- ledger.py encodes the same text to verify the chain without trusting this function.
CREATE FUNCTION ledger_entry_encoding(e ledger_entries) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT concat_ws('|', 'v1', e.id::text, e.kind, e.cause_kind,
                     length(e.cause_id) || ':' || e.cause_id, length(e.reason) || ':' || e.reason,
                     coalesce(e.reverses::text, '-'),
                     ((extract(epoch FROM e.created_at) * 1000000)::bigint)::text)
           || coalesce((SELECT string_agg(concat_ws('|', '', l.line_no::text, l.account_id::text, l.currency,
                                                    l.amount::text), '' ORDER BY l.line_no)
                          FROM ledger_lines l WHERE l.entry_id = e.id), '')
$$;

-- At COMMIT, for each entry the transaction wrote: two or more lines summing to zero in each
-- currency, or the commit fails; then its link is appended to the chain.
CREATE FUNCTION ledger_seal_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry      ledger_entries;
    lines      integer;
    unbalanced text;
    head       ledger_chain_head;
    link       bytea;
BEGIN
    SELECT * INTO entry FROM ledger_entries WHERE id = NEW.id;
    SELECT count(*) INTO lines FROM ledger_lines WHERE entry_id = NEW.id;
    IF lines < 2 THEN
        RAISE EXCEPTION 'ledger entry % has % line(s); an entry needs at least two', NEW.id, lines
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT string_agg(currency || ' ' || total, ', ') INTO unbalanced
      FROM (SELECT currency, sum(amount) AS total FROM ledger_lines WHERE entry_id = NEW.id
             GROUP BY currency HAVING sum(amount) <> 0 ORDER BY currency) AS sums;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'ledger entry % does not balance: its lines sum to %', NEW.id, unbalanced
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT * INTO head FROM ledger_chain_head FOR UPDATE;
    -- Clearing accounts take their lines here, under the head's lock, not when the entry is
    -- written: every payment through a provider moves its one clearing row, which would
    -- otherwise stay locked for the rest of each caller's transaction. They are never checked
    -- (they may go negative), and nothing else writes them.
    UPDATE ledger_accounts a SET balance = a.balance + t.total
      FROM (SELECT l.account_id, sum(l.amount) AS total FROM ledger_lines l
              JOIN ledger_accounts x ON x.id = l.account_id AND x.kind = 'provider_clearing'
             WHERE l.entry_id = NEW.id GROUP BY l.account_id) t
     WHERE a.id = t.account_id;
    link := sha256(head.hash || sha256(convert_to(ledger_entry_encoding(entry), 'UTF8')));
    UPDATE ledger_chain_head SET position = head.position + 1, hash = link;
    INSERT INTO ledger_chain (position, entry_id, prev_hash, hash) VALUES (head.position + 1, NEW.id, head.hash, link);
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entries_seal AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_seal_entry();

-- A line joins its entry in the transaction that wrote the entry, never later.
CREATE FUNCTION ledger_line_joins_open_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_chain WHERE entry_id = NEW.entry_id) THEN
        RAISE EXCEPTION 'ledger entry % is committed; a correction is a new entry', NEW.entry_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_lines_open_entry BEFORE INSERT ON ledger_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_line_joins_open_entry();

-- History is append-only: a correction is a reversing entry, never an UPDATE or DELETE.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of % is refused: the ledger is append-only (a correction is a reversing entry)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_lines_append_only BEFORE UPDATE OR DELETE ON ledger_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_chain_append_only BEFORE UPDATE OR DELETE ON ledger_chain
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_lines_no_truncate BEFORE TRUNCATE ON ledger_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_chain_no_truncate BEFORE TRUNCATE ON ledger_chain
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- An account is never deleted and only its balance changes.
CREATE FUNCTION ledger_account_balance_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (NEW.id, NEW.kind, NEW.currency, NEW.owner_id, NEW.provider, NEW.created_at)
                           IS DISTINCT FROM (OLD.id, OLD.kind, OLD.currency, OLD.owner_id, OLD.provider, OLD.created_at) THEN
        RAISE EXCEPTION '% of ledger account % is refused: only its balance changes', TG_OP, OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_accounts_balance_only BEFORE UPDATE OR DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_account_balance_only();

-- Platform fee rates in basis points, by payable area ('commerce', 'events') and seller tier;
-- '*' matches any. The most specific row wins: (area, tier), then (area, '*'), ('*', tier), ('*', '*').
CREATE TABLE payment_fee_rates (
    area           text    NOT NULL CHECK (area ~ '^([a-z_]+|\*)$'),
    seller_tier    text    NOT NULL CHECK (seller_tier ~ '^([a-z_]+|\*)$'),
    basis_points   integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    PRIMARY KEY (area, seller_tier)
);
INSERT INTO payment_fee_rates (area, seller_tier, basis_points) VALUES ('*', '*', 500);

-- An escrow hold: money paid for one payable, held on its own account until it is released
-- to payees (net of the fee) or refunded to its payers. The amounts are the hold's history in
-- short; its account's balance is funded - released - refunded.
CREATE TABLE payment_holds (
    id                  uuid        PRIMARY KEY,
    payable_kind        text        NOT NULL CHECK (payable_kind ~ '^[a-z]+\.[a-z_]+$'),
    payable_id          uuid        NOT NULL,
    currency            text        NOT NULL CHECK (currency IN ('TZS', 'KES', 'UGX')),
    expected_amount     bigint      NOT NULL CHECK (expected_amount > 0),
    account_id          uuid        NOT NULL UNIQUE,
    state               text        NOT NULL DEFAULT 'open'
                                    CHECK (state IN ('open', 'funded', 'frozen', 'released', 'refunded')),
    seller_tier         text        NOT NULL,
    fee_basis_points    integer     NOT NULL CHECK (fee_basis_points BETWEEN 0 AND 10000),
    auto_release_after  interval    CHECK (auto_release_after > interval '0'),
    auto_release_to     uuid        REFERENCES users (id),
    auto_release_at     timestamptz,  -- when the armed timer fires (NULL: not armed)
    auto_release_job_id uuid,         -- the scheduled job of the armed timer; an older job is ignored
    funded_amount       bigint      NOT NULL DEFAULT 0,
    released_amount     bigint      NOT NULL DEFAULT 0,
    refunded_amount     bigint      NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payable_kind, payable_id),
    FOREIGN KEY (account_id, currency) REFERENCES ledger_accounts (id, currency),
    CHECK ((auto_release_after IS NULL) = (auto_release_to IS NULL)),
    CHECK (released_amount >= 0 AND refunded_amount >= 0
           AND funded_amount - released_amount - refunded_amount >= 0)
);

-- A payment into a hold, from the provider clearing account the money came through: a
-- provider's transaction is credited once, whatever the retries and duplicate callbacks.
CREATE TABLE payment_hold_fundings (
    id                      uuid        PRIMARY KEY,
    seq                     bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the order they came in
    hold_id                 uuid        NOT NULL REFERENCES payment_holds (id),
    payer_id                uuid        REFERENCES users (id),
    provider                text        NOT NULL CHECK (provider IN ('daraja', 'selcom', 'tembo')),
    provider_transaction_id text        NOT NULL CHECK (length(provider_transaction_id) BETWEEN 1 AND 100),
    amount                  bigint      NOT NULL CHECK (amount > 0),
    refunded_amount         bigint      NOT NULL DEFAULT 0 CHECK (refunded_amount BETWEEN 0 AND amount),
    entry_id                uuid        NOT NULL REFERENCES ledger_entries (id),
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_transaction_id)
);
CREATE INDEX payment_hold_fundings_hold ON payment_hold_fundings (hold_id, seq);

-- Money refunded from a hold to one funding's payer: in flight until the provider confirms
-- the payout to the phone (settled) or fails it (returned to the hold).
CREATE TABLE payment_refunds (
    id               uuid        PRIMARY KEY,
    seq              bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    hold_id          uuid        NOT NULL REFERENCES payment_holds (id),
    funding_id       uuid        NOT NULL REFERENCES payment_hold_fundings (id),
    amount           bigint      NOT NULL CHECK (amount > 0),
    currency         text        NOT NULL,
    state            text        NOT NULL DEFAULT 'in_flight' CHECK (state IN ('in_flight', 'settled', 'returned')),
    entry_id         uuid        NOT NULL REFERENCES ledger_entries (id),
    closed_entry_id  uuid        REFERENCES ledger_entries (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    closed_at        timestamptz,
    CHECK ((state = 'in_flight') = (closed_entry_id IS NULL))
);
CREATE INDEX payment_refunds_hold ON payment_refunds (hold_id, seq);

-- Every transition of a hold, with who caused it: its timeline.
CREATE TABLE payment_hold_history (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hold_id     uuid        NOT NULL REFERENCES payment_holds (id),
    transition  text        NOT NULL,
    state       text        NOT NULL,
    amount      bigint,
    entry_id    uuid        REFERENCES ledger_entries (id),
    cause_kind  text        NOT NULL,
    cause_id    text        NOT NULL,
    reason      text        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_hold_history_hold ON payment_hold_history (hold_id, id);
