"""Worker ``payments-reconciler``: settles the payments still pending when their check is due,
from their providers' answers (``domain/payments/reconcile.py``), and sends and settles the
refunds and payouts to phones (``domain/payments/disbursements.py``)."""
from __future__ import annotations

from ..domain.payments.reconcile import Reconciler
from ..platform import Platform

NAME = Reconciler.name


def worker(platform: Platform) -> Reconciler:
    return Reconciler(platform)
