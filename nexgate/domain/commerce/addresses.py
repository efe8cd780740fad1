"""The address book (docs/commerce.md, "Addresses"): where a buyer has things delivered.

An address is in one of the East African countries of ``COUNTRIES``, with its region, district,
ward, street and a landmark (how deliveries are found where streets have no numbers), and the
recipient's name and phone (E.164, as the account's phone is read: a number written without
+country code is one of the address's country). Every change to a user's addresses runs under
one lock per user, so the rules hold under concurrency: at most one default (a partial unique
index backs it), the first address becomes the default, deleting the default makes the newest
other one the default, at most ``MAX_ADDRESSES`` addresses. Another user's address, or one
deleted, is not found and nothing changes.
"""
from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

from ...errors import Conflict, Invalid, NotFound
from ...platform import Platform
from ..auth import identifiers
from ..auth.caller import Caller
from . import addresses_repository as repository
from .addresses_repository import ADDRESS_FIELDS, Address

MAX_ADDRESSES = 20
# The East African Community: Burundi, DR Congo, Kenya, Rwanda, Somalia, South Sudan, Tanzania, Uganda.
COUNTRIES = ("BI", "CD", "KE", "RW", "SO", "SS", "TZ", "UG")
REQUIRED = ("country", "region", "district", "recipient_name", "phone")


def not_found() -> NotFound:
    return NotFound("No such address", code="address_not_found")


def phone_problem(raw: str, country: str) -> str | None:
    """Why ``raw`` is no phone number for an address in ``country``, or None."""
    try:
        identifiers.phone_number(raw, country)
    except Invalid as refused:
        return refused.details["fields"]["phone"][0]
    return None


async def addresses_of(platform: Platform, caller: Caller) -> list[Address]:
    """The caller's addresses, the default first, then the newest."""
    async with platform.core.connection() as conn:
        return await repository.live_addresses_of_user(conn, caller.user_id)


async def address_of(platform: Platform, caller: Caller, address_id: uuid.UUID) -> Address:
    async with platform.core.connection() as conn:
        return await owned_address(conn, caller.user_id, address_id)


async def owned_address(conn, user_id: uuid.UUID, address_id: uuid.UUID) -> Address:
    """One of the user's addresses (not deleted), in the caller's transaction; else 404 ``address_not_found``."""
    address = await repository.live_address(conn, address_id, user_id)
    if address is None:
        raise not_found()
    return address


async def add(platform: Platform, caller: Caller, fields: dict[str, Any]) -> Address:
    """Add an address; it becomes the default if asked (``is_default``) or if it is the first."""
    values = _normalize(fields)
    missing = {name: "Missing data for required field." for name in REQUIRED if values.get(name) is None}
    if missing:
        raise Invalid.fields("body", missing)
    values["phone"] = identifiers.phone(values["phone"], values["country"])
    async with _book(platform, caller.user_id, "commerce.address_add") as conn:
        count = await repository.count_addresses_of_user(conn, caller.user_id)
        if count >= MAX_ADDRESSES:
            raise Conflict(f"You have {MAX_ADDRESSES} addresses, the most there can be: delete one first",
                           code="too_many_addresses", details={"max": MAX_ADDRESSES})
        is_default = count == 0 or bool(fields.get("is_default"))
        if is_default and count:
            await repository.clear_default(conn, caller.user_id)
        return await repository.insert_address(conn, id=uuid.uuid4(), user_id=caller.user_id, is_default=is_default,
                                               **{name: values.get(name) for name in ADDRESS_FIELDS})


async def update(platform: Platform, caller: Caller, address_id: uuid.UUID, changes: dict[str, Any]) -> Address:
    """Change what is sent (null clears an optional field); ``is_default: true`` makes it the default."""
    values = _normalize(changes)
    cleared = [name for name in REQUIRED if name in values and values[name] is None]
    if cleared:
        raise Invalid.fields("body", {name: "Field may not be null." for name in cleared})
    async with _book(platform, caller.user_id, "commerce.address_update") as conn:
        old = await owned_address(conn, caller.user_id, address_id)
        new = dataclasses.replace(old, **values)
        if "phone" in values or "country" in values:
            new = dataclasses.replace(new, phone=identifiers.phone(new.phone, new.country))
        if changes.get("is_default") is False and old.is_default:
            raise Invalid.fields("body", {"is_default": "Make another address the default instead."})
        if changes.get("is_default") and not old.is_default:
            await repository.make_default(conn, address_id, caller.user_id)
        if any(getattr(new, name) != getattr(old, name) for name in ADDRESS_FIELDS):
            await repository.update_address(conn, new)
        return await owned_address(conn, caller.user_id, address_id)


async def delete(platform: Platform, caller: Caller, address_id: uuid.UUID) -> None:
    """Delete an address; if it was the default, the newest other one becomes the default."""
    async with _book(platform, caller.user_id, "commerce.address_delete") as conn:
        was_default = await repository.delete_address(conn, address_id, caller.user_id)
        if was_default is None:
            raise not_found()
        if was_default:
            await repository.promote_default(conn, caller.user_id)


@contextlib.asynccontextmanager
async def _book(platform: Platform, user_id: uuid.UUID, name: str) -> AsyncIterator:
    """A transaction holding the user's address book: every change to it waits for the one before."""
    async with platform.core.transaction(name) as conn:
        await repository.lock_addresses_of_user(conn, user_id)
        yield conn


def _normalize(fields: dict[str, Any]) -> dict[str, Any]:
    """The address's fields as sent, trimmed; an empty text is no text."""
    return {name: (value.strip() or None) if isinstance(value, str) else value
            for name, value in fields.items() if name in ADDRESS_FIELDS}
