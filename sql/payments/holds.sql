-- Escrow holds, their fundings and refunds, and their timeline (docs/payments.md, "Escrow
-- holds"). Only nexgate/domain/payments/holds_repository.py runs these.

-- name: open_hold(id, payable_kind, payable_id, currency, expected_amount, account_id, area, seller_tier, auto_release_after, auto_release_to, cause_kind, cause_id, reason, payer_ids, event_id, routing_key, payload)^
-- A hold opened in one statement: its row, at the most specific fee rate ((area, tier), then
-- (area, '*'), then ('*', tier), then ('*', '*')); then, only if its payable had no hold, its
-- escrow account (the ledger's 'escrow_hold' kind, owned by the hold; the foreign key is checked
-- at the end of the statement), the first line of its history, the payers it takes money from
-- and its event (checked by bus.pending). No row, and nothing written, when the payable has a
-- hold or no fee rate applies.
WITH rate AS (
    SELECT basis_points FROM payment_fee_rates
     WHERE area IN (:area, '*') AND seller_tier IN (:seller_tier, '*')
     ORDER BY (area = '*'), (seller_tier = '*')
     LIMIT 1
), hold AS (
    INSERT INTO payment_holds (id, payable_kind, payable_id, currency, expected_amount, account_id, seller_tier,
                               fee_basis_points, auto_release_after, auto_release_to)
    SELECT :id, :payable_kind, :payable_id, :currency, :expected_amount, :account_id, :seller_tier,
           rate.basis_points, :auto_release_after, :auto_release_to
      FROM rate
    ON CONFLICT (payable_kind, payable_id) DO NOTHING
    RETURNING *
), account AS (
    INSERT INTO ledger_accounts (id, kind, currency, owner_id) SELECT account_id, 'escrow_hold', currency, id FROM hold
), opened AS (
    INSERT INTO payment_hold_history (hold_id, transition, state, cause_kind, cause_id, reason)
    SELECT id, 'opened', state, :cause_kind, :cause_id, :reason FROM hold
), payers AS (
    INSERT INTO payment_hold_payers (hold_id, user_id)
    SELECT DISTINCT hold.id, payer FROM hold, unnest(CAST(:payer_ids AS uuid[])) AS payer
), event AS (
    INSERT INTO outbox (id, routing_key, payload) SELECT :event_id, :routing_key, :payload FROM hold
)
SELECT * FROM hold;

-- name: hold(id)^
SELECT * FROM payment_holds WHERE id = :id;

-- name: lock_hold(id)^
-- Every transition of a hold starts here, before it locks any ledger account: one order for all.
SELECT * FROM payment_holds WHERE id = :id FOR UPDATE;

-- name: lock_hold_to_fund(id, provider, provider_transaction_id)^
-- A funding's one read: the hold, locked as lock_hold locks it; the funding that already
-- credited the provider transaction, if any; and the provider's clearing account in the hold's
-- currency. The funding is read in this statement's snapshot, taken before any wait for the
-- hold's lock: one committed meanwhile is caught by the unique constraint (holds.fund_hold).
SELECT h.*,
       credited.id AS credited_funding_id, credited.hold_id AS credited_hold_id,
       (SELECT a.id FROM ledger_accounts a
         WHERE a.kind = 'provider_clearing' AND a.provider = :provider AND a.currency = h.currency) AS clearing_account_id
  FROM payment_holds h
  LEFT JOIN payment_hold_fundings credited
    ON credited.provider = :provider AND credited.provider_transaction_id = :provider_transaction_id
 WHERE h.id = :id
   FOR UPDATE OF h;

-- name: hold_for_payable(payable_kind, payable_id)^
SELECT * FROM payment_holds WHERE payable_kind = :payable_kind AND payable_id = :payable_id;

-- name: update_hold(id, state, funded, released, refunded)^
UPDATE payment_holds
   SET state = :state, funded_amount = funded_amount + :funded, released_amount = released_amount + :released,
       refunded_amount = refunded_amount + :refunded, updated_at = now()
 WHERE id = :id
RETURNING *;

-- name: set_auto_release(id, auto_release_at, auto_release_job_id)^
UPDATE payment_holds SET auto_release_at = :auto_release_at, auto_release_job_id = :auto_release_job_id, updated_at = now()
 WHERE id = :id
RETURNING *;

-- name: funding_by_transaction(provider, provider_transaction_id)^
SELECT * FROM payment_hold_fundings WHERE provider = :provider AND provider_transaction_id = :provider_transaction_id;

-- name: record_funding(id, hold_id, payer_id, provider, provider_transaction_id, amount, state, entry_id, entry_kind, cause_kind, cause_id, reason, account_ids, currencies, amounts, event_id, routing_key, payload, hold_version, payment_id, payment_version, receipt, now, note, payment_event_id, payment_routing_key, payment_payload)^
-- A funding in one round trip: its journal entry (written as ledger.sql's write_entry writes
-- one), the funding (unique on the provider transaction), the hold's new state and funded
-- amount, its history row and its event; and, when a payment funds it (:payment_id), that
-- payment settled succeeded with its timeline step and its event (settlement.py). With
-- versions (the xmin of the hold and of the payment as read without a lock) it writes only if
-- neither row changed since, locking both, the payment first as settlement's transaction does;
-- otherwise nothing (hold and payment NULL). Without, the caller holds their locks. The hold
-- and the payment as they now stand.
WITH payment AS (
    SELECT id FROM payments
     WHERE id = :payment_id AND (:payment_version::xid IS NULL OR xmin = :payment_version::xid)
       FOR UPDATE
), locked AS (
    SELECT h.id FROM payment_holds h
     WHERE h.id = :hold_id AND (:hold_version::xid IS NULL OR h.xmin = :hold_version::xid)
       AND (:payment_id::uuid IS NULL OR EXISTS (SELECT FROM payment))
       FOR UPDATE
), entry AS (
    INSERT INTO ledger_entries (id, kind, cause_kind, cause_id, reason)
    SELECT :entry_id::uuid, :entry_kind::text, :cause_kind::text, :cause_id::text, :reason::text FROM locked
), given AS (
    SELECT * FROM unnest(:account_ids::uuid[], :currencies::text[], :amounts::bigint[])
                  WITH ORDINALITY AS l (account_id, currency, amount, line_no)
), lines AS (
    INSERT INTO ledger_lines (entry_id, line_no, account_id, currency, amount)
    SELECT :entry_id::uuid, line_no, account_id, currency, amount FROM given, locked
), balances AS (
    UPDATE ledger_accounts a SET balance = a.balance + t.total
      FROM (SELECT account_id, sum(amount) AS total FROM given GROUP BY account_id) t, locked
     WHERE a.id = t.account_id AND a.kind <> 'provider_clearing'
), funding AS (
    INSERT INTO payment_hold_fundings (id, hold_id, payer_id, provider, provider_transaction_id, amount, entry_id)
    SELECT :id::uuid, :hold_id::uuid, :payer_id::uuid, :provider::text, :provider_transaction_id::text, :amount::bigint,
           :entry_id::uuid
      FROM locked
), history AS (
    INSERT INTO payment_hold_history (hold_id, transition, state, amount, entry_id, cause_kind, cause_id, reason)
    SELECT :hold_id::uuid, 'funded', :state::text, :amount::bigint, :entry_id::uuid, :cause_kind::text, :cause_id::text,
           :reason::text
      FROM locked
), event AS (
    INSERT INTO outbox (id, routing_key, payload) SELECT :event_id::uuid, :routing_key::text, :payload::jsonb FROM locked
), hold AS (
    UPDATE payment_holds h SET state = :state, funded_amount = h.funded_amount + :amount, updated_at = now()
      FROM locked
     WHERE h.id = locked.id
    RETURNING h
), settled AS (
    UPDATE payments p
       SET status = 'succeeded', receipt = coalesce(:receipt, p.receipt), failure_code = NULL, failure_message = NULL,
           review_reason = NULL, funding_id = :id, next_check_at = NULL, settled_at = coalesce(p.settled_at, :now),
           updated_at = :now
      FROM locked
     WHERE p.id = :payment_id
    RETURNING p
), step AS (
    INSERT INTO payment_timeline (payment_id, status, step, note)
    SELECT :payment_id::uuid, 'succeeded', 'succeeded', :note::text FROM settled
), payment_event AS (
    INSERT INTO outbox (id, routing_key, payload)
    SELECT :payment_event_id::uuid, :payment_routing_key::text, :payment_payload::jsonb FROM settled
)
SELECT (SELECT h FROM hold) AS hold, (SELECT p FROM settled) AS payment;

-- name: fundings(hold_id)
SELECT * FROM payment_hold_fundings WHERE hold_id = :hold_id ORDER BY seq;

-- name: add_refunded(id, amount)!
UPDATE payment_hold_fundings SET refunded_amount = refunded_amount + :amount WHERE id = :id;

-- name: insert_refund(id, hold_id, funding_id, amount, currency, entry_id)^
INSERT INTO payment_refunds (id, hold_id, funding_id, amount, currency, entry_id)
VALUES (:id, :hold_id, :funding_id, :amount, :currency, :entry_id)
RETURNING *;

-- name: lock_refund(id)^
SELECT r.*, f.provider FROM payment_refunds r JOIN payment_hold_fundings f ON f.id = r.funding_id
 WHERE r.id = :id FOR UPDATE OF r;

-- name: refund_hold_id(id)$
SELECT hold_id FROM payment_refunds WHERE id = :id;

-- name: close_refund(id, state, closed_entry_id)^
UPDATE payment_refunds SET state = :state, closed_entry_id = :closed_entry_id, closed_at = now()
 WHERE id = :id AND state = 'in_flight'
RETURNING *;

-- name: refunds(hold_id)
SELECT * FROM payment_refunds WHERE hold_id = :hold_id ORDER BY seq;

-- name: insert_history(hold_id, transition, state, amount, entry_id, cause_kind, cause_id, reason)!
INSERT INTO payment_hold_history (hold_id, transition, state, amount, entry_id, cause_kind, cause_id, reason)
VALUES (:hold_id, :transition, :state, :amount, :entry_id, :cause_kind, :cause_id, :reason);

-- name: history(hold_id)
SELECT transition, state, amount, entry_id, cause_kind, cause_id, reason, at
  FROM payment_hold_history WHERE hold_id = :hold_id ORDER BY id;

-- name: now()$
SELECT now();

-- name: insert_release_share(id, hold_id, payee_id, gross, fee, entry_id)!
INSERT INTO payment_hold_releases (id, hold_id, payee_id, gross, fee, entry_id)
VALUES (:id, :hold_id, :payee_id, :gross, :fee, :entry_id);

-- name: release_shares(hold_id, payee_id)
SELECT * FROM payment_hold_releases WHERE hold_id = :hold_id AND payee_id = :payee_id ORDER BY seq;

-- name: add_release_refunded(id, refunded, fee_refunded)!
UPDATE payment_hold_releases SET refunded = refunded + :refunded, fee_refunded = fee_refunded + :fee_refunded
 WHERE id = :id;
