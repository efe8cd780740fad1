-- Payments into holds, their timeline and the callbacks that came before their initiation's
-- answer (docs/payments.md, "Paying"). Only nexgate/domain/payments/payments_repository.py runs these.

-- name: insert_hold_payer(hold_id, user_id)!
INSERT INTO payment_hold_payers (hold_id, user_id) VALUES (:hold_id, :user_id) ON CONFLICT DO NOTHING;

-- name: is_hold_payer(hold_id, user_id)$
SELECT EXISTS (SELECT 1 FROM payment_hold_payers WHERE hold_id = :hold_id AND user_id = :user_id);

-- name: pending_into_hold(hold_id)$
SELECT coalesce(sum(amount), 0)::bigint FROM payments WHERE hold_id = :hold_id AND status = 'pending';

-- name: insert_payment(id, reference, payer_id, hold_id, method_id, provider, msisdn, amount, currency)^
INSERT INTO payments (id, reference, payer_id, hold_id, method_id, provider, msisdn, amount, currency)
VALUES (:id, :reference, :payer_id, :hold_id, :method_id, :provider, :msisdn, :amount, :currency)
RETURNING *;

-- name: insert_checkout_payment(id, reference, payer_id, hold_id, amount, currency)^
INSERT INTO payments (id, reference, payer_id, hold_id, provider, channel, amount, currency)
VALUES (:id, :reference, :payer_id, :hold_id, 'selcom', 'card_checkout', :amount, :currency)
RETURNING *;

-- name: record_checkout(id, checkout_url, next_check_at)^
UPDATE payments
   SET prompt = 'sent', provider_transaction_id = reference, checkout_url = :checkout_url,
       next_check_at = :next_check_at, updated_at = now()
 WHERE id = :id
RETURNING *;

-- name: payment(id)^
SELECT * FROM payments WHERE id = :id;

-- name: payments_for_receipts(ids)
-- The payments and what their holds pay for, for their receipts (receipts.py).
SELECT p.*, h.payable_kind AS paid_for_kind, h.payable_id AS paid_for_id
  FROM payments p JOIN payment_holds h ON h.id = p.hold_id
 WHERE p.id = ANY(:ids);

-- name: payment_of_payer(id, payer_id)^
SELECT * FROM payments WHERE id = :id AND payer_id = :payer_id;

-- name: latest_payment_into_hold(hold_id, payer_id)^
-- The payer's latest payment into a hold (by the payer's index: a retry asks soon after).
SELECT * FROM payments WHERE payer_id = :payer_id AND hold_id = :hold_id ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: lock_payment(id)^
SELECT * FROM payments WHERE id = :id FOR UPDATE;

-- name: lock_payment_to_settle(id)^
-- The payment, locked, whether its method still waits for the first payment that verifies it
-- (settlement.py verifies it then; later payments skip that statement), and the transaction's
-- time (which the credit stamps: holds.sql record_funding).
SELECT p.*, (m.verified_at IS NULL AND m.removed_at IS NULL) AS method_unverified, now() AS now
  FROM payments p LEFT JOIN payment_methods m ON m.id = p.method_id
 WHERE p.id = :id
   FOR UPDATE OF p;

-- name: payment_to_credit(id, provider, provider_transaction_id)^
-- What a credit without locks decides on (settlement.py): the payment (by its id, or by the
-- provider's transaction id, as a callback names it) and its hold, each with its version (xmin:
-- record_funding writes only if neither changed since), whether the payment's method still
-- waits for its verifying payment, the provider's clearing account in the hold's currency, and
-- the time the credit stamps.
SELECT p.*, p.xmin AS version, (m.verified_at IS NULL AND m.removed_at IS NULL) AS method_unverified, now() AS now,
       h AS hold, h.xmin AS hold_version,
       (SELECT a.id FROM ledger_accounts a
         WHERE a.kind = 'provider_clearing' AND a.provider = p.provider AND a.currency = h.currency) AS clearing_account_id
  FROM payments p
  JOIN payment_holds h ON h.id = p.hold_id
  LEFT JOIN payment_methods m ON m.id = p.method_id
 WHERE p.id = :id OR (p.provider = :provider AND p.provider_transaction_id = :provider_transaction_id);

-- name: payment_by_reference(provider, reference)^
SELECT * FROM payments WHERE provider = :provider AND reference = :reference;

-- name: record_prompt(id, prompt, provider_transaction_id, next_check_at)^
UPDATE payments
   SET prompt = :prompt, provider_transaction_id = coalesce(:provider_transaction_id, provider_transaction_id),
       next_check_at = :next_check_at, updated_at = now()
 WHERE id = :id
RETURNING *;

-- name: settle_payment(id, status, receipt, failure_code, failure_message, review_reason, funding_id)^
UPDATE payments
   SET status = :status, receipt = coalesce(:receipt, receipt), failure_code = :failure_code,
       failure_message = :failure_message, review_reason = :review_reason, funding_id = :funding_id,
       next_check_at = NULL, settled_at = coalesce(settled_at, now()), updated_at = now()
 WHERE id = :id
RETURNING *;

-- name: schedule_check(id, next_check_at)^
UPDATE payments SET next_check_at = :next_check_at, updated_at = now() WHERE id = :id AND status = 'pending'
RETURNING *;

-- name: claim_due_checks(limit, lease_s)
-- The pending payments due a check, each taken by one reconciler: the rows are locked with
-- SKIP LOCKED and their next check moved past the lease, so another reconciler passes them by
-- while this one asks the provider (its answer then sets the real next check).
UPDATE payments p
   SET next_check_at = now() + make_interval(secs => :lease_s), checks = p.checks + 1, updated_at = now()
  FROM (SELECT id FROM payments
         WHERE status = 'pending' AND next_check_at <= now()
         ORDER BY next_check_at
         LIMIT :limit
           FOR UPDATE SKIP LOCKED) due
 WHERE p.id = due.id
RETURNING p.*;

-- name: insert_timeline(payment_id, status, step, note)!
INSERT INTO payment_timeline (payment_id, status, step, note) VALUES (:payment_id, :status, :step, :note);

-- name: insert_timeline_and_event(payment_id, status, step, note, event_id, routing_key, payload)!
-- A settlement's timeline step and its event (checked by bus.pending) in one round trip.
WITH step AS (
    INSERT INTO payment_timeline (payment_id, status, step, note) VALUES (:payment_id, :status, :step, :note)
)
INSERT INTO outbox (id, routing_key, payload) VALUES (:event_id, :routing_key, :payload);

-- name: timeline(payment_id)
SELECT status, step, note, at FROM payment_timeline WHERE payment_id = :payment_id ORDER BY id;

-- name: lock_transaction_id(provider, provider_transaction_id)!
-- One lock per provider transaction, held to the end of the transaction: a callback looking for
-- its payment and the initiation recording the provider's id take it in turn.
SELECT pg_advisory_xact_lock(hashtextextended(:provider || ':' || :provider_transaction_id, 16));

-- name: insert_early_callback(provider, provider_transaction_id)!
INSERT INTO payment_early_callbacks (provider, provider_transaction_id) VALUES (:provider, :provider_transaction_id)
ON CONFLICT DO NOTHING;

-- name: take_early_callback(provider, provider_transaction_id)$
DELETE FROM payment_early_callbacks WHERE provider = :provider AND provider_transaction_id = :provider_transaction_id
RETURNING true;

-- name: transactions_of_user_page(user_id, status, kind, before_at, before_id, limit)
-- The caller's money movements, newest first: the payments they made and the refunds and
-- payouts sent to them (each table's own rows read by its id afterwards).
SELECT kind, id, created_at FROM (
    SELECT kind, id, created_at, status FROM payments WHERE payer_id = :user_id
    UNION ALL
    SELECT kind, id, created_at, status FROM payment_disbursements WHERE user_id = :user_id
) AS moved
 WHERE (:status::text IS NULL OR status = :status)
   AND (:kind::text IS NULL OR kind = :kind)
   AND (created_at, id) < (:before_at, :before_id)
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- name: payments_by_ids(ids)
SELECT * FROM payments WHERE id = ANY(:ids);
