"""Which mobile money wallet a number belongs to, and which provider collects from it.

The operator comes from phonenumbers' carrier data (the operator a number range was given to:
"Safaricom", "Vodacom", "Yas" for the former Tigo, "Viettel" for Halotel, ...), and from the
prefix table below where that data names none. A number ported to another operator keeps its
original range, so its wallet is taken to be the original operator's: the provider then
refuses the payment, as it would refuse any number it does not serve.
"""
from __future__ import annotations

import dataclasses

import phonenumbers
from phonenumbers import carrier

from ...config import Config
from ...errors import Invalid
from ..auth import identifiers


@dataclasses.dataclass(frozen=True)
class Operator:
    name: str  # the slug Nexgate stores: safaricom, vodacom, tigo, airtel, halotel
    country: str
    display_name: str
    channel: str  # the wallet people know: M-Pesa, Mixx by Yas, Airtel Money, HaloPesa
    currency: str


OPERATORS = {operator.name: operator for operator in (
    Operator("safaricom", "KE", "Safaricom", "M-Pesa", "KES"),
    Operator("vodacom", "TZ", "Vodacom", "M-Pesa", "TZS"),
    Operator("tigo", "TZ", "Yas", "Mixx by Yas", "TZS"),
    Operator("airtel", "TZ", "Airtel", "Airtel Money", "TZS"),
    Operator("halotel", "TZ", "Halotel", "HaloPesa", "TZS"),
)}
# phonenumbers' carrier names, per country, of the operators above.
CARRIERS = {
    ("KE", "Safaricom"): "safaricom",
    ("TZ", "Vodacom"): "vodacom", ("TZ", "Yas"): "tigo", ("TZ", "Tigo"): "tigo", ("TZ", "Airtel"): "airtel",
    ("TZ", "Viettel"): "halotel", ("TZ", "Halotel"): "halotel",
}
# The mobile ranges (leading digits of the national number) where the carrier data is silent.
PREFIXES = {
    "KE": {"safaricom": ("70", "71", "72", "740", "741", "742", "743", "745", "746", "748", "757", "758", "759",
                         "768", "769", "79", "110", "111", "112", "113", "114", "115")},
    "TZ": {"vodacom": ("74", "75", "76"), "tigo": ("65", "67", "71", "77"), "airtel": ("68", "69", "78"),
           "halotel": ("61", "62")},
}
SUPPORTED_COUNTRIES = tuple(PREFIXES)
KENYA_PROVIDER = "daraja"  # Safaricom M-Pesa through its own API


@dataclasses.dataclass(frozen=True)
class Wallet:
    phone: str  # E.164
    operator: Operator


def wallet(raw: str, region: str, field: str = "phone") -> Wallet:
    """The mobile money wallet of a number as typed (without +country code: one of ``region``),
    or 422 naming ``field``: not a number, not a mobile number, a country or an operator
    Nexgate cannot collect from."""
    number = identifiers.phone_number(raw, region, field)
    country = phonenumbers.region_code_for_number(number)
    if country not in SUPPORTED_COUNTRIES:
        raise Invalid.fields("body", {field: f"Mobile money from {country} is not supported yet: use a Kenyan "
                                             "(Safaricom M-Pesa) or Tanzanian number."}, code="country_unsupported")
    if phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise Invalid.fields("body", {field: "Not a mobile number."}, code="not_mobile")
    name = _operator_of(number, country)
    if name is None:
        raise Invalid.fields("body", {field: "No mobile money wallet Nexgate can collect from uses this number "
                                             f"({_supported(country)})."}, code="operator_unsupported")
    return Wallet(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), OPERATORS[name])


def _operator_of(number: phonenumbers.PhoneNumber, country: str) -> str | None:
    named = carrier.name_for_number(number, "en")
    if named:
        return CARRIERS.get((country, named))
    national = phonenumbers.national_significant_number(number)
    return next((name for name, prefixes in PREFIXES[country].items() if national.startswith(prefixes)), None)


def _supported(country: str) -> str:
    return ", ".join(f"{OPERATORS[name].display_name} {OPERATORS[name].channel}" for name in PREFIXES[country])


def provider(config: Config, operator: Operator) -> str:
    """The provider that collects from ``operator``'s wallets: Daraja for Safaricom, and for a
    Tanzanian wallet the one ``NEXGATE_PAYMENTS_TZ_ROUTING`` names."""
    if operator.country == "KE":
        return KENYA_PROVIDER
    return dict(entry.split(":", 1) for entry in config.payments_tz_routing)[operator.name]
