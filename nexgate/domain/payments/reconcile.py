"""Reconciliation (docs/payments.md, "Callbacks and reconciliation"): every payment still pending
when its check is due (``NEXGATE_PAYMENTS_RECONCILE_AFTER_S`` after it began, then twice as long
each time, up to ``NEXGATE_PAYMENTS_RECONCILE_BACKOFF_MAX_S``) is settled from its provider's
status answer, or expired once older than ``NEXGATE_PAYMENTS_EXPIRE_AFTER_S`` while the
provider still calls it pending, has no record of it or cannot be reached.

A pass claims the due payments with ``FOR UPDATE SKIP LOCKED``, moving each one's next check
past a lease in the same statement, so two reconcilers (two servers, or the worker and
``python -m nexgate payments reconcile``) never ask about one payment at once; the settlement
itself locks the payment row and credits a provider transaction once, whoever else is at it.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging

from ...bus.polling import poll_forever
from ...config import Config
from ...db import Database
from ...providers.payment_providers import PaymentProviders
from . import payments_repository as repository
from . import disbursements, settlement
from .payments_repository import Payment

log = logging.getLogger(__name__)

BATCH_SIZE = 50
LEASE_S = 120  # longer than a status query may take (its timeout is at most 120 s)


@dataclasses.dataclass(frozen=True)
class Checked:
    before: Payment
    after: Payment

    @property
    def settled(self) -> bool:
        return self.after.status != "pending"


async def reconcile_due(database: Database, config: Config, providers: PaymentProviders,
                        batch_size: int = BATCH_SIZE) -> list[Checked]:
    """One pass: every payment due a check, each asked of its provider and settled from its answer."""
    async with database.transaction("payments.claim_checks") as conn:
        due = await repository.claim_due_checks(conn, limit=batch_size, lease_s=LEASE_S)
    return list(await asyncio.gather(*(_check(database, config, providers, payment) for payment in due)))


async def _check(database: Database, config: Config, providers: PaymentProviders, payment: Payment) -> Checked:
    after = await settlement.settle(database, config, providers[payment.provider], payment,
                                    by=settlement.RECONCILIATION)
    return Checked(payment, after)


class Reconciler:
    """The ``payments-reconciler`` worker: a pass every ``NEXGATE_PAYMENTS_RECONCILE_POLL_MS``, at
    once again after a full batch (``bus/polling.py``, the relay's and the scheduler's loop). A
    pass also runs the payout standing orders that are due and sends or asks about every refund
    and payout due (``disbursements``)."""

    name = "payments-reconciler"

    def __init__(self, services: disbursements.Services):
        self.services = services
        self.database, self.config, self.providers = services.core, services.config, services.payment_providers

    async def run(self) -> None:
        await poll_forever(self._pass, name=self.name, poll_interval=self.config.payments_reconcile_poll_ms / 1000,
                           batch_size=BATCH_SIZE)

    async def _pass(self) -> tuple[int, bool]:
        checked = await reconcile_due(self.database, self.config, self.providers)
        for item in checked:
            if item.settled:
                log.info("reconciled payment %s: %s", item.after.id, item.after.status)
        scheduled = await disbursements.run_due_schedules(self.services)
        advanced = await disbursements.disburse_due(self.services)
        for disbursement in advanced:
            if disbursement.status != "pending":
                log.info("disbursed %s %s: %s", disbursement.kind, disbursement.id, disbursement.status)
        return max(len(checked), len(advanced), len(scheduled)), True
