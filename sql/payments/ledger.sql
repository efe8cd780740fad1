-- The ledger (docs/payments.md, "The ledger"): accounts, journal entries and their lines, the
-- hash chain. Only nexgate/domain/payments/ledger_repository.py runs these.

-- name: owned_balances(kind, owner_id)
SELECT currency, balance FROM ledger_accounts WHERE kind = :kind AND owner_id = :owner_id;

-- name: account_id(kind, currency, owner_id, provider)$
SELECT id FROM ledger_accounts
 WHERE kind = :kind AND currency = :currency
   AND owner_id IS NOT DISTINCT FROM :owner_id::uuid AND provider IS NOT DISTINCT FROM :provider::text;

-- name: insert_account(kind, currency, owner_id)!
INSERT INTO ledger_accounts (kind, currency, owner_id) VALUES (:kind, :currency, :owner_id)
ON CONFLICT DO NOTHING;

-- name: account(id)^
-- A clearing account's balance with the lines of its entries still queued for the chain.
SELECT a.id, a.kind, a.currency, a.owner_id, a.provider,
       a.balance + CASE WHEN a.kind = 'provider_clearing' THEN
           coalesce((SELECT sum(l.amount) FROM ledger_unchained u JOIN ledger_lines l ON l.entry_id = u.entry_id
                      WHERE l.account_id = a.id), 0)::bigint ELSE 0 END AS balance
  FROM ledger_accounts a WHERE a.id = :id;

-- name: lock_accounts(ids)
-- The accounts that may not go negative are locked, in account id order, so that two
-- transactions touching the same accounts lock them in the same order and cannot deadlock; a
-- waiter reads the balance its predecessor committed. Clearing accounts are only read: their
-- balance moves when the entry is chained (ledger_chain_pending).
WITH locked AS (
    SELECT id, kind, currency, balance FROM ledger_accounts
     WHERE id = ANY(:ids) AND kind <> 'provider_clearing' ORDER BY id FOR UPDATE
)
SELECT * FROM locked
UNION ALL
SELECT id, kind, currency, balance FROM ledger_accounts WHERE id = ANY(:ids) AND kind = 'provider_clearing';

-- name: write_entry(id, kind, cause_kind, cause_id, reason, reverses, account_ids, currencies, amounts)$
-- The entry, its lines (numbered in the order given) and the new balances of the accounts
-- but clearing accounts, in one statement; the commit-time trigger checks that the lines
-- balance and queues the entry for the chain, whose chainer moves the clearing accounts.
WITH entry AS (
    INSERT INTO ledger_entries (id, kind, cause_kind, cause_id, reason, reverses)
    VALUES (:id, :kind, :cause_kind, :cause_id, :reason, :reverses)
    RETURNING created_at
), given AS (
    SELECT * FROM unnest(:account_ids::uuid[], :currencies::text[], :amounts::bigint[])
                  WITH ORDINALITY AS l (account_id, currency, amount, line_no)
), lines AS (
    INSERT INTO ledger_lines (entry_id, line_no, account_id, currency, amount)
    SELECT :id, line_no, account_id, currency, amount FROM given
), balances AS (
    UPDATE ledger_accounts a SET balance = a.balance + t.total
      FROM (SELECT account_id, sum(amount) AS total FROM given GROUP BY account_id) t
     WHERE a.id = t.account_id AND a.kind <> 'provider_clearing'
)
SELECT created_at FROM entry;

-- name: entry(id)^
SELECT id, kind, cause_kind, cause_id, reason, reverses, created_at FROM ledger_entries WHERE id = :id;

-- name: entry_lines(entry_id)
SELECT line_no, account_id, currency, amount FROM ledger_lines WHERE entry_id = :entry_id ORDER BY line_no;

-- name: entry_touches_kind(entry_id, kind)$
SELECT EXISTS (SELECT 1 FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
                WHERE l.entry_id = :entry_id AND a.kind = :kind);

-- name: reversal_of(entry_id)$
SELECT id FROM ledger_entries WHERE reverses = :entry_id;

-- name: chain_after(position, batch_size)
-- A page of the chain with the entries it links, for verify-ledger.
SELECT c.position, c.prev_hash, c.hash,
       e.id, e.kind, e.cause_kind, e.cause_id, e.reason, e.reverses, e.created_at
  FROM ledger_chain c JOIN ledger_entries e ON e.id = c.entry_id
 WHERE c.position > :position
 ORDER BY c.position
 LIMIT :batch_size;

-- name: lines_of_entries(entry_ids)
SELECT entry_id, line_no, account_id, currency, amount FROM ledger_lines
 WHERE entry_id = ANY(:entry_ids) ORDER BY entry_id, line_no;

-- name: chain_head()^
SELECT position, hash FROM ledger_chain_head;

-- name: chain_pending(batch_size)$
-- Up to batch_size queued entries appended to the chain (migration 0054); how many.
SELECT ledger_chain_pending(:batch_size);

-- name: count_queued()$
SELECT count(*) FROM ledger_unchained;

-- name: unchained_entry()$
-- An entry neither chained nor queued for the chain can only have been written with the
-- sealing trigger disabled, or taken out of the chain.
SELECT e.id FROM ledger_entries e
 WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.entry_id = e.id)
   AND NOT EXISTS (SELECT 1 FROM ledger_unchained u WHERE u.entry_id = e.id)
 ORDER BY e.created_at, e.id LIMIT 1;

-- name: count_accounts()$
SELECT count(*) FROM ledger_accounts;

-- name: account_drift()
-- Accounts whose stored balance differs from the sum of their lines; a clearing account's
-- stored balance leaves out the lines of entries still queued for the chain.
SELECT a.id, a.kind, a.currency, a.owner_id, a.provider, a.balance, coalesce(s.total, 0) AS lines_total
  FROM ledger_accounts a
  LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_lines GROUP BY account_id) s ON s.account_id = a.id
  LEFT JOIN (SELECT l.account_id, sum(l.amount) AS total FROM ledger_lines l
               JOIN ledger_unchained u ON u.entry_id = l.entry_id GROUP BY l.account_id) q
         ON q.account_id = a.id AND a.kind = 'provider_clearing'
 WHERE a.balance + coalesce(q.total, 0) <> coalesce(s.total, 0)
 ORDER BY a.created_at, a.id;

-- name: negative_restricted_account()$
SELECT id FROM ledger_accounts WHERE kind <> 'provider_clearing' AND balance < 0 LIMIT 1;

-- name: hold_drift()^
-- A hold whose amounts say it holds other than its escrow account's balance.
SELECT h.id, h.funded_amount - h.released_amount - h.refunded_amount AS held, a.balance
  FROM payment_holds h JOIN ledger_accounts a ON a.id = h.account_id
 WHERE a.balance <> h.funded_amount - h.released_amount - h.refunded_amount
 ORDER BY h.created_at, h.id
 LIMIT 1;
