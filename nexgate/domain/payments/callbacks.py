"""The providers' callbacks (docs/payments.md, "Callbacks and reconciliation").

Each provider POSTs to ``/api/payments/callbacks/{provider}/{secret}/collection`` (payments) or
``.../payout`` (refunds and payouts to phones: ``disbursements.called_back``). A wrong
provider, secret or kind, or a sender outside ``NEXGATE_PAYMENTS_CALLBACK_ALLOWED_IPS`` when it
is set, is not found and changes nothing. The body is read by the provider's client (Selcom's
digest is checked there); what it says only names the payment: the provider's status endpoint
decides (``settlement``). The provider gets the answer it expects, duplicates included. A
callback for a transaction no payment has recorded yet (the provider called back before its
answer to the initiation reached us) is remembered, and the initiation settles it when it
records the provider's id.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from ...errors import Invalid, NotFound
from ...platform import Platform
from ...providers.mobile_money import CallbackAnswer, CallbackRejected, Kind, MobileMoneyProvider, Transaction
from . import payments_repository as repository
from . import disbursements, settlement
from .payments_repository import ToCredit


def _not_found() -> NotFound:
    return NotFound("No such callback", code="callback_not_found")


async def receive(platform: Platform, *, provider: str, secret: str, kind: str, headers: Mapping[str, str],
                  body: bytes, sender: str | None) -> CallbackAnswer:
    client = _client(platform, provider)
    if not client.verify_callback_secret(secret) or kind not in (Kind.COLLECTION, Kind.PAYOUT) \
            or not allowed(sender, platform.config.payments_callback_allowed_ips):
        raise _not_found()
    try:
        reported = client.read_callback(Kind(kind), headers=headers, body=body)
    except CallbackRejected as error:
        raise Invalid(f"The callback was refused: {error}", code="callback_rejected") from None
    if reported.kind is Kind.PAYOUT:
        await disbursements.called_back(platform, client, reported)
        return client.callback_answer
    read = await _payment_named(platform, client, reported)
    if read is not None:
        await settlement.settle(platform.core, platform.config, client, read.payment, by=settlement.CALLBACK,
                                reported=reported, read=read)
    return client.callback_answer


def _client(platform: Platform, provider: str) -> MobileMoneyProvider:
    try:
        return platform.payment_providers[provider]
    except KeyError:
        raise _not_found() from None


def allowed(sender: str | None, networks: tuple[str, ...]) -> bool:
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(sender or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in networks)


async def _payment_named(platform: Platform, client: MobileMoneyProvider, reported: Transaction) -> ToCredit | None:
    """The payment the callback names, read as a credit reads it (``settlement``), or None
    (remembered as early when it names a provider id). A payment found at once needs no lock
    (its initiation has recorded what named it); only one not found yet is looked for again
    under the transaction id's lock, which the initiation takes to record the provider's id,
    before the callback is remembered as early."""
    transaction_id = reported.provider_id or reported.reference
    if not transaction_id:
        raise Invalid("The callback names no transaction", code="callback_rejected")
    async with platform.core.connection() as conn:
        read = await _lookup(conn, client, reported, transaction_id)
    if read is not None:
        return read
    async with platform.core.transaction("payments.callback_match") as conn:
        await repository.lock_transaction_id(conn, provider=client.name, provider_transaction_id=transaction_id)
        read = await _lookup(conn, client, reported, transaction_id)
        if read is None:
            await repository.remember_early_callback(conn, provider=client.name, provider_transaction_id=transaction_id)
        return read


async def _lookup(conn, client: MobileMoneyProvider, reported: Transaction, transaction_id: str) -> ToCredit | None:
    read = await repository.payment_to_credit(conn, provider=client.name, provider_transaction_id=transaction_id)
    if read is None and reported.reference:
        payment = await repository.payment_by_reference(conn, provider=client.name, reference=reported.reference)
        read = payment and await repository.payment_to_credit(conn, payment.id)
    return read
