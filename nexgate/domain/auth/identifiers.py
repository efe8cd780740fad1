"""Usernames, emails and phone numbers as accounts store them."""
from __future__ import annotations

import re

import phonenumbers

from ...errors import Invalid

USERNAME = re.compile(r"^[A-Za-z0-9_]{3,30}$")
USERNAME_RULE = "3 to 30 letters (a-z, A-Z), digits and underscores"
# Names that would pass for the platform, its staff or its routes.
RESERVED_USERNAMES = frozenset(
    """admin administrator root system support help helpdesk nexgate nexgate_official official staff team
    moderator moderators mod security abuse legal billing payments payment escrow api www mail email info
    noreply no_reply postmaster webmaster hostmaster me settings account accounts login logout register signup
    signin auth oauth explore search feed home notifications messages inbox shop shops store stores products
    product events event tickets ticket checkout orders cart null undefined anonymous everyone
    suggestions verification blocked muted followers following requests follows stats""".split()
)
EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def username(raw: str, field: str = "username") -> str:
    if not USERNAME.match(raw):
        raise Invalid.fields("body", {field: f"Use {USERNAME_RULE}."})
    if raw.lower() in RESERVED_USERNAMES:
        raise Invalid.fields("body", {field: "This username is reserved."})
    return raw


def email(raw: str, field: str = "email") -> str:
    """The address as typed, with its domain lower-cased (the local part may be case-sensitive)."""
    address = raw.strip()
    if len(address) > 254 or not EMAIL.match(address):
        raise Invalid.fields("body", {field: "Not a valid email address."})
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def phone(raw: str, region: str, field: str = "phone") -> str:
    """E.164 (+255712345678); a number without +country code is read as one of ``region``."""
    return phonenumbers.format_number(phone_number(raw, region, field), phonenumbers.PhoneNumberFormat.E164)


def phone_number(raw: str, region: str, field: str = "phone") -> phonenumbers.PhoneNumber:
    """The valid number ``raw`` names (without +country code: one of ``region``), or 422 naming ``field``."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise Invalid.fields("body", {field: "Not a phone number."}) from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid.fields("body", {field: "Not a valid phone number for its country."})
    return number


def login_kind(login: str) -> str:
    """How a login identifier reads: ``email``, ``phone`` or ``username``."""
    if "@" in login:
        return "email"
    if re.fullmatch(r"\+?[0-9 ()\-]{7,20}", login.strip()):
        return "phone"
    return "username"
