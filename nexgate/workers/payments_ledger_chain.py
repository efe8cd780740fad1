"""Worker ``payments-ledger-chain``: appends the ledger's committed entries to its hash chain, a
batch at a time (``ledger.chain_pending``, docs/payments.md "The hash chain"), at once again
after a full batch, every ``NEXGATE_PAYMENTS_CHAIN_POLL_MS`` once idle (``bus/polling.py``). Two
of them (two servers) take turns at the chain head's lock; ``verify-ledger`` chains what is
queued itself before it looks."""
from __future__ import annotations

from ..bus.polling import poll_forever
from ..domain.payments import ledger
from ..platform import Platform

NAME = "payments-ledger-chain"


class LedgerChainer:
    name = NAME

    def __init__(self, platform: Platform):
        self.database, self.poll_interval = platform.core, platform.config.payments_chain_poll_ms / 1000

    async def run(self) -> None:
        await poll_forever(self._pass, name=self.name, poll_interval=self.poll_interval, batch_size=ledger.CHAIN_BATCH)

    async def _pass(self) -> tuple[int, bool]:
        async with self.database.connection() as conn:
            return await ledger.chain_pending(conn), True


def worker(platform: Platform) -> LedgerChainer:
    return LedgerChainer(platform)
