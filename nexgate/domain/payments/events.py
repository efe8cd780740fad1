"""The payments area's events (docs/bus.md, "Event catalogue"; docs/payments.md)."""
from __future__ import annotations

from ...bus.catalogue import BOOLEAN, INTEGER, OBJECT, STRING, UUID, declare, event, list_of, nullable

METHOD_ADDED = "payments.method.added"
METHOD_VERIFIED = "payments.method.verified"
METHOD_REMOVED = "payments.method.removed"
PAYMENT_SUCCEEDED = "payments.payment.succeeded"
PAYMENT_FAILED = "payments.payment.failed"
PAYMENT_EXPIRED = "payments.payment.expired"
PAYMENT_FLAGGED = "payments.payment.flagged"
PAYMENT_RESOLVED = "payments.payment.resolved"
# Told live to the payer's devices (workers/payments_live.py), each as its event's ``payment`` view.
PAYMENT_SETTLEMENTS = (PAYMENT_SUCCEEDED, PAYMENT_FAILED, PAYMENT_EXPIRED, PAYMENT_FLAGGED)

REFUND_SENT = "payments.refund.sent"
REFUND_FAILED = "payments.refund.failed"
REFUND_FLAGGED = "payments.refund.flagged"
PAYOUT_REQUESTED = "payments.payout.requested"
PAYOUT_SENT = "payments.payout.sent"
PAYOUT_FAILED = "payments.payout.failed"
PAYOUT_FLAGGED = "payments.payout.flagged"
# Told live to the receiver's devices (workers/payments_live.py), each as its ``disbursement`` view.
DISBURSEMENT_EVENTS = (REFUND_SENT, REFUND_FAILED, REFUND_FLAGGED, PAYOUT_REQUESTED, PAYOUT_SENT, PAYOUT_FAILED,
                       PAYOUT_FLAGGED)

_PAYMENT = {"payment_id": UUID, "payer_id": UUID, "hold_id": UUID, "status": STRING, "amount": INTEGER,
            "currency": STRING, "provider": STRING, "payment": OBJECT}

_DISBURSEMENT = {"disbursement_id": UUID, "user_id": UUID, "kind": STRING, "status": STRING, "amount": INTEGER,
                 "fee": INTEGER, "sent_amount": INTEGER, "currency": STRING, "provider": STRING, "hold_id": nullable(UUID),
                 "disbursement": OBJECT}

HOLD_OPENED = "payments.hold.opened"
HOLD_FUNDED = "payments.hold.funded"
HOLD_RELEASED = "payments.hold.released"
HOLD_REFUNDED = "payments.hold.refunded"
HOLD_FROZEN = "payments.hold.frozen"
HOLD_UNFROZEN = "payments.hold.unfrozen"
REFUND_SETTLED = "payments.refund.settled"
REFUND_RETURNED = "payments.refund.returned"
RELEASE_TIMER_EXPIRED = "payments.release_timer.expired"

_HOLD = {"hold_id": UUID, "payable_kind": STRING, "payable_id": UUID, "state": STRING}
_REFUND = {"refund_id": UUID, "hold_id": UUID, "payer_id": nullable(UUID), "amount": INTEGER, "currency": STRING,
           "entry_id": UUID}

EVENTS = declare("payments", [
    # payment methods (methods.py)
    event(METHOD_ADDED, "a user added a payment method", method_id=UUID, user_id=UUID, kind=STRING,
          operator=nullable(STRING), currency=STRING),
    event(METHOD_VERIFIED, "a payment method was proved to be the user's", method_id=UUID, user_id=UUID,
          verified_by=STRING),
    event(METHOD_REMOVED, "a user removed a payment method", method_id=UUID, user_id=UUID,
          promoted_method_id=nullable(UUID)),
    # escrow holds (holds.py)
    event(HOLD_OPENED, "an escrow hold was opened for a payable", **_HOLD, currency=STRING, expected_amount=INTEGER),
    event(HOLD_FUNDED, "a provider's payment was credited to a hold", **_HOLD, funding_id=UUID,
          payer_id=nullable(UUID), provider=STRING, provider_transaction_id=STRING, amount=INTEGER, currency=STRING,
          entry_id=UUID),
    event(HOLD_RELEASED, "money of a hold was released to its payees, net of the platform fee", **_HOLD,
          amount=INTEGER, fee=INTEGER, currency=STRING, payees=list_of(OBJECT), automatic=BOOLEAN, entry_id=UUID),
    event(HOLD_REFUNDED, "money of a hold is on its way back to its payers", **_HOLD, amount=INTEGER,
          currency=STRING, from_released=BOOLEAN, refund_ids=list_of(UUID), entry_id=UUID),
    event(HOLD_FROZEN, "a hold was frozen by a dispute: neither released nor refunded", **_HOLD, reason=STRING),
    event(HOLD_UNFROZEN, "a hold's dispute was resolved", **_HOLD, reason=STRING),
    event(REFUND_SETTLED, "the provider confirmed a refund to the payer's phone", **_REFUND),
    event(REFUND_RETURNED, "the provider failed a refund; its money is back in the hold", **_REFUND),
    event(RELEASE_TIMER_EXPIRED, "a hold's auto-release time came (a scheduled job)", hold_id=UUID, job_id=UUID),
    # payments (payments.py, settlement.py)
    event(PAYMENT_SUCCEEDED, "the provider confirmed a payment; its amount is credited to its hold", **_PAYMENT),
    event(PAYMENT_FAILED, "the provider or the payer declined a payment; nothing was credited", **_PAYMENT),
    event(PAYMENT_EXPIRED, "a payment stayed unconfirmed past its age limit; nothing was credited", **_PAYMENT),
    event(PAYMENT_FLAGGED, "a payment's confirmation disagreed with what was asked (amount, currency, a success "
          "after expiry): nothing was credited, an operator reviews it", **_PAYMENT),
    # refunds and payouts to phones (disbursements.py)
    event(REFUND_SENT, "the provider paid a refund to the payer's phone", **_DISBURSEMENT),
    event(REFUND_FAILED, "the provider failed a refund to the payer's phone; its money is back in the hold",
          **_DISBURSEMENT),
    event(REFUND_FLAGGED, "the provider's word on a refund disagreed with what was sent; an operator reviews it",
          **_DISBURSEMENT),
    event(PAYOUT_REQUESTED, "a seller's or organizer's balance is on its way to their phone", **_DISBURSEMENT),
    event(PAYOUT_SENT, "the provider paid a payout to the payee's phone", **_DISBURSEMENT),
    event(PAYOUT_FAILED, "the provider failed a payout; its amount is back in the payee's balance", **_DISBURSEMENT),
    event(PAYOUT_FLAGGED, "the provider's word on a payout disagreed with what was sent; an operator reviews it",
          **_DISBURSEMENT),
    # operators (resolutions.py)
    event(PAYMENT_RESOLVED, "an operator resolved a payment flagged for review: credited to its hold, or failed",
          **_PAYMENT, outcome=STRING, operator=STRING, reason=STRING),
])
