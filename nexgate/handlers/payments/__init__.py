"""The payments area's manifest: payment methods, payments, balances, payouts and refunds over
REST, the providers' callbacks; the escrow holds' timer worker, the worker that tells payers live, the reconciler and the
ledger's chainer."""
from ...area import Area
from ...domain.payments import notices
from ...workers import payments_holds, payments_ledger_chain, payments_live, payments_reconciler
from . import admin, methods, payments, payouts, receipts

AREA = Area(
    "payments",
    routes=(methods.routes, payouts.routes, payments.routes, receipts.routes, admin.routes),
    consumer_groups={"payments_holds": payments_holds.consumer_group,
                     payments_live.NAME: payments_live.consumer_group},
    workers={payments_reconciler.NAME: payments_reconciler.worker,
             payments_ledger_chain.NAME: payments_ledger_chain.worker},
    notification_types=notices.TYPES,
)
