"""Payment methods (docs/payments.md, "Payment methods"): the mobile money numbers a user pays
with, and the cards Selcom's hosted checkout tokenised for them.

A number is stored in E.164 with the operator it belongs to (``operators``), and pays in its
country's currency. Every change to a user's methods runs under one lock per user, so that the
rules hold under concurrency: at most one default (a partial unique index backs it), the first
method becomes the default, removing the default promotes another (a verified one first, then
the newest), at most ``MAX_METHODS`` live ones, one live method per number. Adding a number
the user has already answers that method as it is. A method is proved to be the user's by a
code texted to it (``nexgate/codes.py``, as auth proves an account's phone) or by a first
successful payment from it (``mark_verified_by_payment``, which the payment flow calls).
Cards are never added here: the checkout flow writes them with the provider's token.
"""
from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from ... import bus, codes
from ...config import Config
from ...errors import Conflict, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from . import methods_repository as repository
from . import operators
from .events import METHOD_ADDED, METHOD_REMOVED, METHOD_VERIFIED
from .methods_repository import Method

MAX_METHODS = 10
CARD_PROVIDER = "selcom"  # cards are only taken through Selcom's hosted checkout page
VERIFY_PURPOSE = "payment_method_verification"
VERIFY_TEXT = "Your Nexgate code to use this number for payments is {code}. It expires in {minutes} minutes."


def not_found() -> NotFound:
    return NotFound("No such payment method", code="payment_method_not_found")


async def add_mobile_money(platform: Platform, caller: Caller, *, phone: str, label: str | None) -> tuple[Method, bool]:
    """The caller's method for ``phone`` and whether this call added it (False: the number was
    one of the caller's methods already, answered unchanged)."""
    wallet = operators.wallet(phone, platform.config.phone_region)
    async with platform.core.transaction("payments.method_add") as conn:
        await repository.lock_methods_of_user(conn, caller.user_id)
        existing = await repository.live_method_with_number(conn, caller.user_id, wallet.phone)
        if existing is not None:
            return existing, False
        count = await repository.count_methods_of_user(conn, caller.user_id)
        if count >= MAX_METHODS:
            raise Conflict(f"You have {MAX_METHODS} payment methods, the most there can be: remove one first",
                           code="too_many_payment_methods", details={"max": MAX_METHODS})
        operator = wallet.operator
        method = await repository.insert_mobile_money(
            conn, id=uuid.uuid4(), user_id=caller.user_id, country=operator.country, currency=operator.currency,
            phone=wallet.phone, operator=operator.name, label=label, is_default=count == 0,
        )
        await bus.emit(conn, METHOD_ADDED, {"method_id": str(method.id), "user_id": str(caller.user_id),
                                            "kind": method.kind, "operator": method.operator,
                                            "currency": method.currency})
        return method, True


async def methods_of(platform: Platform, caller: Caller) -> list[Method]:
    """The caller's live methods, the default first, then the newest."""
    async with platform.core.connection() as conn:
        return await repository.live_methods_of_user(conn, caller.user_id)


async def method_of(conn: asyncpg.Connection, user_id: uuid.UUID, method_id: uuid.UUID) -> Method:
    """The user's live method ``method_id`` (404 for another user's, a removed or an unknown one)."""
    method = await repository.live_method(conn, method_id, user_id)
    if method is None:
        raise not_found()
    return method


async def update(platform: Platform, caller: Caller, method_id: uuid.UUID, changes: dict[str, Any]) -> Method:
    """``is_default`` (only ``true``: the default moves to this method) and ``label`` (None clears it)."""
    async with platform.core.transaction("payments.method_update") as conn:
        await repository.lock_methods_of_user(conn, caller.user_id)
        method = await method_of(conn, caller.user_id, method_id)
        if changes.get("is_default") and not method.is_default:
            await repository.make_default(conn, method_id, caller.user_id)
        if "label" in changes:
            await repository.set_label(conn, method_id, caller.user_id, changes["label"])
        return await method_of(conn, caller.user_id, method_id)


async def remove(platform: Platform, caller: Caller, method_id: uuid.UUID) -> None:
    """Remove a method; if it was the default, another becomes the default (if any is left)."""
    async with platform.core.transaction("payments.method_remove") as conn:
        await repository.lock_methods_of_user(conn, caller.user_id)
        was_default = await repository.remove_method(conn, method_id, caller.user_id)
        if was_default is None:
            raise not_found()
        promoted = await repository.promote_default(conn, caller.user_id) if was_default else None
        await bus.emit(conn, METHOD_REMOVED, {"method_id": str(method_id), "user_id": str(caller.user_id),
                                              "promoted_method_id": None if promoted is None else str(promoted)})


async def send_verification_code(platform: Platform, caller: Caller, method_id: uuid.UUID) -> None:
    """Text a code to the method's number (replacing any earlier one)."""
    async with platform.core.transaction("payments.method_code_send") as conn:
        method = await _to_verify(conn, caller, method_id)
        await codes.text(platform, conn, VERIFY_PURPOSE, method.id, method.phone, VERIFY_TEXT, {"phone": method.phone})


async def verify_with_code(platform: Platform, caller: Caller, method_id: uuid.UUID, code: str) -> Method:
    """Mark the method verified with the code texted to its number; the code works once."""
    async with platform.core.connection() as conn:
        method = await _to_verify(conn, caller, method_id)
    try:
        match = await codes.check(platform, VERIFY_PURPOSE, method.id, code)
    except codes.CodeRefused as refused:
        raise codes.refusal(refused.reason, refused.attempts_left) from None
    async with platform.core.transaction("payments.method_verify") as conn:
        verified = await _mark_verified(conn, method.id, "sms_code")
        if verified is None:  # removed or verified since the code was checked
            await _to_verify(conn, caller, method_id)
            raise codes.refusal("expired")
        if not await codes.spend(platform, match):
            raise codes.refusal("expired")
        return verified


async def mark_verified_by_payment(conn: asyncpg.Connection, method_id: uuid.UUID) -> bool:
    """For the payment flow, in its transaction: a first successful payment from a method proves
    it is the payer's. True if this verified it (False: verified already, or removed)."""
    return await _mark_verified(conn, method_id, "payment") is not None


async def _mark_verified(conn: asyncpg.Connection, method_id: uuid.UUID, verified_by: str) -> Method | None:
    method = await repository.mark_verified(conn, method_id, verified_by)
    if method is not None:
        await bus.emit(conn, METHOD_VERIFIED, {"method_id": str(method.id), "user_id": str(method.user_id),
                                               "verified_by": verified_by})
    return method


async def _to_verify(conn: asyncpg.Connection, caller: Caller, method_id: uuid.UUID) -> Method:
    method = await method_of(conn, caller.user_id, method_id)
    if method.kind != "mobile_money":
        raise Invalid("A card is verified by the checkout that added it, not by a code", code="not_verifiable")
    if method.verified_at is not None:
        raise Conflict("This payment method is verified already", code="already_verified")
    return method


def provider_of(config: Config, method: Method) -> str:
    """The provider that collects a payment from ``method`` today (the Tanzanian routing is a
    setting, so it is read when asked, not stored with the method)."""
    if method.kind == "card":
        return CARD_PROVIDER
    return operators.provider(config, operators.OPERATORS[method.operator])
