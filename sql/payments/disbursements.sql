-- Refunds and payouts to phones (docs/payments.md, "Refunds and payouts"). Only
-- nexgate/domain/payments/disbursements_repository.py runs these.

-- name: payout_fee(provider, currency, amount)$
SELECT fee FROM payment_payout_fees
 WHERE provider = :provider AND currency = :currency AND up_to >= :amount
 ORDER BY up_to LIMIT 1;

-- name: refund_source(refund_id)^
-- Where a refund goes back to: the payment whose funding it gives back (its number and provider).
SELECT r.id AS refund_id, r.hold_id, r.amount, r.currency, f.payer_id, p.id AS payment_id, p.provider, p.msisdn
  FROM payment_refunds r
  JOIN payment_hold_fundings f ON f.id = r.funding_id
  JOIN payments p ON p.funding_id = f.id
 WHERE r.id = :refund_id AND p.msisdn IS NOT NULL;  -- a card checkout has no number to pay back to

-- name: insert_disbursement(id, reference, kind, user_id, refund_id, hold_id, payment_id, method_id, provider, msisdn, amount, fee, currency, entry_id)^
INSERT INTO payment_disbursements (id, reference, kind, user_id, refund_id, hold_id, payment_id, method_id, provider, msisdn,
                                   amount, fee, currency, entry_id, next_check_at)
VALUES (:id, :reference, :kind, :user_id, :refund_id, :hold_id, :payment_id, :method_id, :provider, :msisdn, :amount, :fee,
        :currency, :entry_id, now())
ON CONFLICT (refund_id) DO NOTHING
RETURNING *;

-- name: disbursement(id)^
SELECT * FROM payment_disbursements WHERE id = :id;

-- name: disbursement_for_refund(refund_id)^
SELECT * FROM payment_disbursements WHERE refund_id = :refund_id;

-- name: disbursement_of_user(id, user_id)^
SELECT * FROM payment_disbursements WHERE id = :id AND user_id = :user_id;

-- name: lock_disbursement(id)^
SELECT * FROM payment_disbursements WHERE id = :id FOR UPDATE;

-- name: disbursement_by_transaction(provider, provider_transaction_id)^
SELECT * FROM payment_disbursements WHERE provider = :provider AND provider_transaction_id = :provider_transaction_id;

-- name: disbursement_by_reference(provider, reference)^
SELECT * FROM payment_disbursements WHERE provider = :provider AND reference = :reference;

-- name: record_disbursement_send(id, send, provider_transaction_id, next_check_at)^
UPDATE payment_disbursements
   SET send = :send, provider_transaction_id = coalesce(:provider_transaction_id, provider_transaction_id),
       next_check_at = :next_check_at, updated_at = now()
 WHERE id = :id
RETURNING *;

-- name: settle_disbursement(id, status, receipt, failure_code, failure_message, review_reason, closed_entry_id)^
UPDATE payment_disbursements
   SET status = :status, receipt = coalesce(:receipt, receipt), failure_code = :failure_code,
       failure_message = :failure_message, review_reason = :review_reason, closed_entry_id = :closed_entry_id,
       next_check_at = NULL, settled_at = coalesce(settled_at, now()), updated_at = now()
 WHERE id = :id
RETURNING *;

-- name: schedule_disbursement_check(id, next_check_at)^
UPDATE payment_disbursements
   SET next_check_at = :next_check_at, updated_at = now()
 WHERE id = :id AND status = 'pending'
RETURNING *;

-- name: claim_due_disbursements(limit, lease_s)
-- The pending disbursements due to be sent or asked about, each taken by one disburser (SKIP
-- LOCKED; the next check moved past the lease while this one talks to the provider).
UPDATE payment_disbursements d
   SET next_check_at = now() + make_interval(secs => :lease_s), checks = d.checks + 1, updated_at = now()
  FROM (SELECT id FROM payment_disbursements
         WHERE status = 'pending' AND next_check_at <= now()
         ORDER BY next_check_at
         LIMIT :limit
           FOR UPDATE SKIP LOCKED) due
 WHERE d.id = due.id
RETURNING d.*;

-- name: disbursements_of_user_page(user_id, status, kind, before_at, before_id, limit)
SELECT * FROM payment_disbursements
 WHERE user_id = :user_id
   AND (:status::text IS NULL OR status = :status)
   AND (:kind::text IS NULL OR kind = :kind)
   AND (created_at, id) < (:before_at, :before_id)
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- name: pending_payouts(user_id, currency)$
SELECT coalesce(sum(amount), 0)::bigint FROM payment_disbursements
 WHERE user_id = :user_id AND currency = :currency AND kind = 'payout' AND status = 'pending';

-- name: insert_disbursement_step(disbursement_id, status, step, note)!
INSERT INTO payment_disbursement_timeline (disbursement_id, status, step, note)
VALUES (:disbursement_id, :status, :step, :note);

-- name: disbursement_timeline(disbursement_id)
SELECT status, step, note, at FROM payment_disbursement_timeline WHERE disbursement_id = :disbursement_id ORDER BY id;

-- name: payout_schedule(user_id, currency)^
SELECT * FROM payment_payout_schedules WHERE user_id = :user_id AND currency = :currency;

-- name: payout_schedules_of(user_id)
SELECT * FROM payment_payout_schedules WHERE user_id = :user_id ORDER BY currency;

-- name: upsert_payout_schedule(user_id, currency, method_id, every, next_run_at)^
INSERT INTO payment_payout_schedules (user_id, currency, method_id, every, next_run_at)
VALUES (:user_id, :currency, :method_id, :every, :next_run_at)
ON CONFLICT (user_id, currency) DO UPDATE
   SET method_id = excluded.method_id, every = excluded.every, next_run_at = excluded.next_run_at, updated_at = now()
RETURNING *;

-- name: delete_payout_schedule(user_id, currency)$
DELETE FROM payment_payout_schedules WHERE user_id = :user_id AND currency = :currency RETURNING true;

-- name: claim_due_schedules(limit)
-- Standing orders due to run, each moved to its next run in the same statement (one runner each).
UPDATE payment_payout_schedules s
   SET next_run_at = s.next_run_at + CASE s.every WHEN 'daily' THEN interval '1 day' ELSE interval '7 days' END,
       updated_at = now()
  FROM (SELECT user_id, currency FROM payment_payout_schedules
         WHERE next_run_at <= now()
         ORDER BY next_run_at
         LIMIT :limit
           FOR UPDATE SKIP LOCKED) due
 WHERE s.user_id = due.user_id AND s.currency = due.currency
RETURNING s.*;

-- name: disbursements_by_ids(ids)
SELECT * FROM payment_disbursements WHERE id = ANY(:ids);
