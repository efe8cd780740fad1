"""The payments area's notification types (nexgate/domain/notifications/registry.py,
docs/notifications.md): a payment that went through or failed, told to its payer; an escrow
release, told to each of its payees; a refund paid back to the payer's phone; a payout of a
seller's or organizer's balance paid to their phone. All critical
(category payments): always in-app, past quiet hours. Amounts read as people write them
("TZS 15,000", nexgate/money.py); ``params`` keeps the minor units for apps."""
from __future__ import annotations

from ..notifications.registry import Each, notification_type
from .events import HOLD_RELEASED, PAYMENT_FAILED, PAYMENT_SUCCEEDED, PAYOUT_SENT, REFUND_SETTLED

_PAYMENTS = {"category": "payments", "critical": True}


def _told_to_payer(name: str, source: str, *, en: str, sw: str):
    """A type about a payment, told to its payer."""
    return notification_type(
        name, sources=(source,), **_PAYMENTS, recipient="payer_id", about=("payment", "payment_id"),
        params=("amount", "currency", "provider"), amounts={"amount": "currency"},
        link="nexgate://payments/{payment_id}", in_app={"en": en, "sw": sw})


PAYMENT_SUCCEEDED_NOTICE = _told_to_payer(
    "payment_succeeded", PAYMENT_SUCCEEDED,
    en="Payment successful: {amount} received. It is held safely in escrow until your purchase is complete",
    sw="Malipo yamefanikiwa: {amount} yamepokelewa. Yanahifadhiwa salama kwenye escrow hadi ununuzi wako ukamilike")

PAYMENT_FAILED_NOTICE = _told_to_payer(
    "payment_failed", PAYMENT_FAILED,
    en="Payment failed: your payment of {amount} did not go through and nothing was taken. Please try again",
    sw="Malipo yameshindikana: malipo yako ya {amount} hayakukamilika na hakuna pesa iliyokatwa. Tafadhali jaribu "
       "tena")

ESCROW_RELEASED = notification_type(
    "escrow_released", sources=(HOLD_RELEASED,), **_PAYMENTS, each=Each("payees", ("user_id", "net", "fee")),
    recipient="user_id", about=("hold", "hold_id"), params=("net", "fee", "currency"),
    amounts={"net": "currency", "fee": "currency"}, link="nexgate://payments/balances",
    in_app={"en": "Escrow released: you have been paid {net} (after the {fee} platform fee)",
            "sw": "Escrow imetolewa: umelipwa {net} (baada ya ada ya jukwaa ya {fee})"})

REFUND_PROCESSED = notification_type(
    "refund_processed", sources=(REFUND_SETTLED,), **_PAYMENTS, recipient="payer_id", about=("refund", "refund_id"),
    params=("amount", "currency"), amounts={"amount": "currency"},
    link="nexgate://payments/disbursements?kind=refund",  # the event names the hold's refund, not its disbursement
    in_app={"en": "Refund processed: {amount} was sent back to your phone",
            "sw": "Marejesho ya pesa yamekamilika: {amount} zimerudishwa kwenye simu yako"})

PAYOUT_SENT_NOTICE = notification_type(
    "payout_sent", sources=(PAYOUT_SENT,), **_PAYMENTS, recipient="user_id", about=("disbursement", "disbursement_id"),
    params=("amount", "fee", "sent_amount", "currency", "provider"),
    amounts={"amount": "currency", "fee": "currency", "sent_amount": "currency"},
    link="nexgate://payments/disbursements/{disbursement_id}",
    in_app={"en": "Payout sent: {sent_amount} reached your phone ({amount} from your balance, less the {fee} "
                  "transfer fee)",
            "sw": "Malipo yametumwa: {sent_amount} yamefika kwenye simu yako ({amount} kutoka kwenye salio lako, "
                  "ukiondoa ada ya uhamisho ya {fee})"})

TYPES = (PAYMENT_SUCCEEDED_NOTICE, PAYMENT_FAILED_NOTICE, ESCROW_RELEASED, REFUND_PROCESSED, PAYOUT_SENT_NOTICE)
