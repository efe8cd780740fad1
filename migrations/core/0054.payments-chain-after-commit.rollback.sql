-- Back to chaining at commit: what is queued is chained first, then the commit-time trigger
-- appends each entry's link itself again (migration 0012).
SELECT ledger_chain_pending(2147483647);
DROP TRIGGER ledger_unchained_no_truncate ON ledger_unchained;
DROP TRIGGER ledger_unchained_no_update ON ledger_unchained;
DROP TRIGGER ledger_unchained_leaves_into_chain ON ledger_unchained;
DROP FUNCTION ledger_unchained_only_chained();
CREATE OR REPLACE FUNCTION ledger_seal_entry() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION ledger_line_joins_open_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_chain WHERE entry_id = NEW.entry_id) THEN
        RAISE EXCEPTION 'ledger entry % is committed; a correction is a new entry', NEW.entry_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

DROP FUNCTION ledger_chain_pending(integer);
DROP TABLE ledger_unchained;
