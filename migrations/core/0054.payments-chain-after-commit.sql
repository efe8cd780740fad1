-- depends: 0053.social-collaboration-invites
-- The hash chain is appended after commit, in batches (docs/payments.md, "The hash chain").
--
-- Before, each ledger transaction's commit-time trigger locked the one chain-head row, appended
-- its link and moved its provider clearing account, and held that lock through its commit's WAL
-- flush: every ledger commit in the database waited for the one before it (bench.payments: the
-- credit's transaction alone 225 a second, 390 without the chain). Now the commit-time trigger
-- only checks that the entry balances and queues it in ledger_unchained, in the writer's
-- transaction, so a committed entry is always either queued or chained, never neither. The
-- payments-ledger-chain worker (and verify-ledger before it looks) appends the queued entries
-- with ledger_chain_pending: under the head's lock, in one transaction, a link each, the
-- clearing accounts moved by the sum of their lines, the head once.
CREATE TABLE ledger_unchained (
    seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id    uuid        NOT NULL UNIQUE REFERENCES ledger_entries (id)
);

CREATE OR REPLACE FUNCTION ledger_seal_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lines      integer;
    unbalanced text;
BEGIN
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
    INSERT INTO ledger_unchained (entry_id) VALUES (NEW.id);
    RETURN NULL;
END $$;

-- Appends up to batch_size queued entries to the chain, oldest queued first; how many it
-- appended. The head's lock comes first, so each statement after it sees what the chainer
-- before committed: two chainers never take the same entry (and ledger_chain.entry_id is
-- unique besides). Clearing accounts are never checked (they may go negative) and nothing
-- else writes their balance.
CREATE FUNCTION ledger_chain_pending(batch_size integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    head     ledger_chain_head;
    pending  record;
    link     bytea;
    chained  uuid[] := '{}';
BEGIN
    SELECT * INTO head FROM ledger_chain_head FOR UPDATE;
    FOR pending IN SELECT e FROM ledger_unchained u JOIN ledger_entries e ON e.id = u.entry_id
                    ORDER BY u.seq LIMIT batch_size LOOP
        link := sha256(head.hash || sha256(convert_to(ledger_entry_encoding(pending.e), 'UTF8')));
        head.position := head.position + 1;
        INSERT INTO ledger_chain (position, entry_id, prev_hash, hash)
        VALUES (head.position, (pending.e).id, head.hash, link);
        head.hash := link;
        chained := chained || (pending.e).id;
    END LOOP;
    IF cardinality(chained) = 0 THEN
        RETURN 0;
    END IF;
    DELETE FROM ledger_unchained WHERE entry_id = ANY(chained);
    UPDATE ledger_accounts a SET balance = a.balance + t.total
      FROM (SELECT l.account_id, sum(l.amount) AS total FROM ledger_lines l
              JOIN ledger_accounts x ON x.id = l.account_id AND x.kind = 'provider_clearing'
             WHERE l.entry_id = ANY(chained) GROUP BY l.account_id) t
     WHERE a.id = t.account_id;
    UPDATE ledger_chain_head SET position = head.position, hash = head.hash;
    RETURN cardinality(chained);
END $$;

-- A line joins its entry in the transaction that wrote the entry, never later: a committed
-- entry is queued or chained.
CREATE OR REPLACE FUNCTION ledger_line_joins_open_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_chain WHERE entry_id = NEW.entry_id)
       OR EXISTS (SELECT 1 FROM ledger_unchained WHERE entry_id = NEW.entry_id) THEN
        RAISE EXCEPTION 'ledger entry % is committed; a correction is a new entry', NEW.entry_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

-- The queue is written by the commit-time trigger and emptied by ledger_chain_pending only.
CREATE FUNCTION ledger_unchained_only_chained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger_chain WHERE entry_id = OLD.entry_id) THEN
        RAISE EXCEPTION 'ledger entry % leaves the chain''s queue only into the chain', OLD.entry_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER ledger_unchained_leaves_into_chain BEFORE DELETE ON ledger_unchained
    FOR EACH ROW EXECUTE FUNCTION ledger_unchained_only_chained();
CREATE TRIGGER ledger_unchained_no_update BEFORE UPDATE ON ledger_unchained
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_unchained_no_truncate BEFORE TRUNCATE ON ledger_unchained
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
