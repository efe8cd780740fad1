"""Amounts of money as people read them in a sentence: ``1_500_000`` minor units of TZS is
"TZS 15,000", ``125_050`` of KES "KES 1,250.50" (the cents only when there are some, since
shillings are spoken whole). Integer arithmetic on the minor units (ISO 4217 exponents,
``providers.mobile_money.MINOR_UNIT_DIGITS``), never a float. A receipt, which shows every
digit, has its own form (domain/payments/receipts.py)."""
from __future__ import annotations

from .providers.mobile_money import MINOR_UNIT_DIGITS


def for_people(minor: int, currency: str) -> str:
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise TypeError(f"an amount is a whole number of minor units, not {minor!r}")
    if currency not in MINOR_UNIT_DIGITS:
        raise ValueError(f"unknown currency {currency!r}")
    digits = MINOR_UNIT_DIGITS[currency]
    whole, fraction = divmod(abs(minor), 10 ** digits)
    sign = "-" if minor < 0 else ""
    return f"{currency} {sign}{whole:,}" + (f".{fraction:0{digits}d}" if fraction else "")
