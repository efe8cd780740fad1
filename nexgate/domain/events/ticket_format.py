"""The signed ticket (docs/events.md, "The ticket format"): its payload byte by byte, the QR
text that carries it with its signature, and the offline verification a scanner does.

Payload (version 1), all integers big-endian::

    offset   size  field
    0        1     version: 0x01
    1        16    ticket id (the UUID's 16 bytes, RFC 9562 order)
    17       16    event id
    33       16    ticket type id
    49       1     D: length of the days mask in bytes (1..32)
    50       D     days mask: day n (numbered from 1) is admitted when bit (n-1) mod 8 (0 = least
                   significant) of byte (n-1) div 8 is set
    50+D     4     valid_from: Unix seconds (UTC), uint32
    54+D     4     valid_until: Unix seconds (UTC), uint32
    58+D     1     K: length of the key id (1..32)
    59+D     K     key id (ASCII, [A-Za-z0-9_-])

The signature is RSASSA-PSS over exactly those bytes: SHA-256, MGF1 with SHA-256, a salt of 32
bytes (the digest's length); it is as long as the key's modulus (256 bytes for RSA-2048). The
QR text is ``NXT1.`` + base32(payload) + ``.`` + base32(signature), base32 of RFC 4648 without
its ``=`` padding: every character is in the QR alphanumeric set, so the code stays small.

Pure functions, no I/O: the server signs in its process pool (``sign``, ``generate_key``) and
check-in verifies here (``verify``); a scanner may do the same with standard tools.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import re
import struct
import uuid
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

VERSION = 1
PREFIX = "NXT1"
SALT_LENGTH = 32  # = SHA-256's digest length
MAX_DAY = 256  # a days mask of 32 bytes
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
KEY_BITS = (2048, 3072)
MAX_TEXT = 2048  # longer than any QR text of a 3072-bit key: refused before decoding
_FIXED = struct.Struct(">B16s16s16s")
_WINDOW = struct.Struct(">II")
_UINT32_MAX = (1 << 32) - 1


class TicketInvalid(ValueError):
    """A ticket that does not verify; ``code`` says why (check-in answers it)."""

    code = "ticket_invalid"


class TicketMalformed(TicketInvalid):
    """Not a ticket of this format: wrong prefix, bad base32, a payload of the wrong shape."""

    code = "ticket_malformed"


class TicketUnknownKey(TicketInvalid):
    """Signed by a key id the verifier does not know."""

    code = "ticket_unknown_key"


class TicketKeyRetired(TicketInvalid):
    """Signed by a key that was retired (withdrawn): nothing it signed admits any more."""

    code = "ticket_key_retired"


class TicketForged(TicketInvalid):
    """A well-formed ticket whose signature is not the key's over its payload."""

    code = "ticket_forged"


@dataclasses.dataclass(frozen=True)
class Payload:
    ticket_id: uuid.UUID
    event_id: uuid.UUID
    ticket_type_id: uuid.UUID
    days: frozenset[int]  # the day numbers (from 1) it admits
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    key_id: str
    version: int = VERSION

    def valid_at(self, at: datetime.datetime) -> bool:
        return self.valid_from <= at <= self.valid_until


@dataclasses.dataclass(frozen=True)
class VerifyKey:
    """A public key as a verifier holds it: its id, its state (``active``, ``rotated`` or
    ``retired``) and the key (a PEM string or a loaded ``RSAPublicKey``)."""

    kid: str
    state: str
    public_key: object

    def loaded(self) -> rsa.RSAPublicKey:
        key = self.public_key
        if isinstance(key, (str, bytes)):
            key = serialization.load_pem_public_key(key.encode() if isinstance(key, str) else key)
        if not isinstance(key, rsa.RSAPublicKey):
            raise TypeError(f"key {self.kid} is not an RSA public key")
        return key


# the payload

def _seconds(at: datetime.datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("a ticket's validity times carry a time zone")
    seconds = int(at.timestamp())
    if not 0 <= seconds <= _UINT32_MAX:
        raise ValueError("a ticket's validity times fit in uint32 Unix seconds")
    return seconds


def days_mask(days: Iterable[int]) -> bytes:
    days = sorted(set(days))
    if not days:
        raise ValueError("a ticket admits at least one day")
    if days[0] < 1 or days[-1] > MAX_DAY:
        raise ValueError(f"day numbers run from 1 to {MAX_DAY}")
    mask = bytearray((days[-1] + 7) // 8)
    for day in days:
        mask[(day - 1) // 8] |= 1 << ((day - 1) % 8)
    return bytes(mask)


def _days_of(mask: bytes) -> frozenset[int]:
    return frozenset(index * 8 + bit + 1 for index, byte in enumerate(mask) for bit in range(8) if byte >> bit & 1)


def encode(payload: Payload) -> bytes:
    """The payload's bytes (the table in the module's docstring)."""
    if payload.version != VERSION:
        raise ValueError(f"only version {VERSION} is written")
    if not KEY_ID.match(payload.key_id):
        raise ValueError("a key id is 1 to 32 of [A-Za-z0-9_-]")
    mask = days_mask(payload.days)
    kid = payload.key_id.encode("ascii")
    return b"".join((
        _FIXED.pack(VERSION, payload.ticket_id.bytes, payload.event_id.bytes, payload.ticket_type_id.bytes),
        bytes((len(mask),)), mask,
        _WINDOW.pack(_seconds(payload.valid_from), _seconds(payload.valid_until)),
        bytes((len(kid),)), kid))


def decode(data: bytes) -> Payload:
    """The payload of these bytes; ``TicketMalformed`` naming what is wrong."""
    if len(data) < _FIXED.size + 1:
        raise TicketMalformed("The ticket's payload is too short")
    version, ticket_id, event_id, type_id = _FIXED.unpack_from(data)
    if version != VERSION:
        raise TicketMalformed(f"Unknown ticket format version {version}")
    at = _FIXED.size
    mask_length = data[at]
    at += 1
    if not 1 <= mask_length <= MAX_DAY // 8 or len(data) < at + mask_length + _WINDOW.size + 1:
        raise TicketMalformed("The ticket's days are malformed")
    mask = data[at:at + mask_length]
    at += mask_length
    if mask[-1] == 0:
        raise TicketMalformed("The ticket's days are malformed")
    valid_from, valid_until = _WINDOW.unpack_from(data, at)
    at += _WINDOW.size
    kid_length = data[at]
    at += 1
    kid = data[at:at + kid_length]
    if len(data) != at + kid_length:
        raise TicketMalformed("The ticket's key id is malformed")
    try:
        key_id = kid.decode("ascii")
    except UnicodeDecodeError:
        raise TicketMalformed("The ticket's key id is malformed") from None
    if not KEY_ID.match(key_id):
        raise TicketMalformed("The ticket's key id is malformed")
    if valid_from > valid_until:
        raise TicketMalformed("The ticket's validity ends before it starts")
    return Payload(uuid.UUID(bytes=ticket_id), uuid.UUID(bytes=event_id), uuid.UUID(bytes=type_id), _days_of(mask),
                   datetime.datetime.fromtimestamp(valid_from, datetime.UTC),
                   datetime.datetime.fromtimestamp(valid_until, datetime.UTC), key_id)


# the QR text

def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _unb32(text: str) -> bytes:
    if not text or not re.fullmatch(r"[A-Z2-7]+", text):
        raise TicketMalformed("The ticket is not base32")
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise TicketMalformed("The ticket is not base32") from None


def qr_text(payload: bytes, signature: bytes) -> str:
    """What the QR code carries: ``NXT1.<base32 payload>.<base32 signature>``."""
    return f"{PREFIX}.{_b32(payload)}.{_b32(signature)}"


def split(text: str) -> tuple[bytes, bytes]:
    """(payload bytes, signature) of a QR text; ``TicketMalformed`` for anything else. Scanners
    may send the text lower-cased: base32 is read in either case."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise TicketMalformed("Not a Nexgate ticket")
    parts = text.strip().upper().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TicketMalformed("Not a Nexgate ticket")
    return _unb32(parts[1]), _unb32(parts[2])


# signing and verifying

def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=SALT_LENGTH)


def verify(code: str, keys: Mapping[str, VerifyKey]) -> Payload:
    """The payload of a ticket's QR text, once its signature checks out with the key it names:
    ``TicketMalformed``, ``TicketUnknownKey`` (a key id not in ``keys``), ``TicketKeyRetired``
    (a key in state ``retired``) or ``TicketForged`` (the signature is not that key's) otherwise.
    The validity window and the days are for the caller to check (``Payload.valid_at``)."""
    data, signature = split(code)
    payload = decode(data)
    key = keys.get(payload.key_id)
    if key is None:
        raise TicketUnknownKey(f"The ticket was signed by an unknown key {payload.key_id}")
    if key.state == "retired":
        raise TicketKeyRetired(f"The ticket was signed by the retired key {payload.key_id}")
    try:
        key.loaded().verify(signature, data, _pss(), hashes.SHA256())
    except InvalidSignature:
        raise TicketForged("The ticket's signature does not match it") from None
    return payload


_LOADED: dict[tuple[str, bytes], rsa.RSAPrivateKey] = {}


def _private_key(kid: str, encrypted_pem: bytes, passphrase: str) -> rsa.RSAPrivateKey:
    """The key decrypted once per process (the pool's workers keep it between calls)."""
    key = _LOADED.get((kid, encrypted_pem))
    if key is None:
        key = serialization.load_pem_private_key(encrypted_pem, password=passphrase.encode())
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"key {kid} is not an RSA private key")
        _LOADED[(kid, encrypted_pem)] = key
    return key


def sign(kid: str, encrypted_pem: bytes, passphrase: str, payloads: list[bytes]) -> list[bytes]:
    """Each payload's RSA-PSS signature by the key: CPU work, for the process pool."""
    key = _private_key(kid, encrypted_pem, passphrase)
    return [key.sign(data, _pss(), hashes.SHA256()) for data in payloads]


def generate_key(bits: int, passphrase: str) -> tuple[str, bytes]:
    """(public key PEM, private key PKCS#8 PEM encrypted with the passphrase) of a new RSA key:
    CPU work, for the process pool."""
    if bits not in KEY_BITS:
        raise ValueError(f"ticket keys are RSA of {' or '.join(map(str, KEY_BITS))} bits")
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(passphrase.encode()))
    return public, private


def jwk(kid: str, state: str, public_key_pem: str) -> dict[str, str]:
    """The public key as a JWK (RFC 7517, RFC 7518 section 6.3.1), with Nexgate's ``state``."""
    numbers = VerifyKey(kid, state, public_key_pem).loaded().public_numbers()

    def b64(number: int) -> str:
        return base64.urlsafe_b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).decode().rstrip("=")

    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "PS256", "n": b64(numbers.n), "e": b64(numbers.e),
            "state": state}
