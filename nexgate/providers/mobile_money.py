"""What every mobile money provider client offers, in Nexgate's terms.

Daraja (``daraja.py``), Selcom (``selcom.py``) and TemboPlus (``tembo.py``) each implement
``MobileMoneyProvider``: push a payment prompt to a payer (``collect``), send money to a
wallet (``payout``), ask either's state (``collection_status``, ``payout_status``) and read
what the provider POSTs back (``read_callback``). All of them answer with a ``Transaction``
whatever the provider's shapes, so initiation, the callback routes and reconciliation never
see a provider's JSON.

Money is ``Money``: integer minor units and an ISO 4217 currency (``MINOR_UNIT_DIGITS``).
The providers take whole units (KES and TZS as whole shillings, UGX has no minor unit), so
conversion happens here, at the boundary, in integers: 150_000 minor TZS is sent as 1500, and
an amount with cents the provider cannot carry (150_050 minor TZS) is refused before anything
is sent. Provider JSON is parsed with ``decimal.Decimal`` for its non-integral numbers, never
a float.

Errors: ``ProviderUnavailable`` (transport error, timeout, 5xx: retry later, and on a
collection or payout first ask its status, since the provider may have acted on a request
whose answer was lost), ``ProviderRefused`` (the provider refused the request itself:
credentials, a malformed field; retrying the same request will not help) and
``CallbackRejected`` (a callback that is forged or unreadable; answer it 4xx and credit
nothing). A payment the provider declines (cancelled by the user, insufficient funds) is no
error: it is a ``Transaction`` in state ``failed`` with the provider's code and message.
"""
from __future__ import annotations

import dataclasses
import decimal
import enum
import hmac
import json
from collections.abc import Mapping
from typing import Any, Protocol

import aiohttp

# ISO 4217 exponents of the currencies Nexgate takes.
MINOR_UNIT_DIGITS = {"KES": 2, "TZS": 2, "UGX": 0, "USD": 2}


class State(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Kind(enum.StrEnum):
    COLLECTION = "collection"
    PAYOUT = "payout"


class ProviderError(Exception):
    """Something went wrong talking to a provider; ``retryable`` says whether trying again may help."""

    retryable = False

    def __init__(self, provider: str, message: str):
        super().__init__(f"{provider}: {message}")
        self.provider = provider


class ProviderUnavailable(ProviderError):
    """The provider could not be reached, timed out or answered 5xx: try again later. The request
    may have been acted on, so ask the status of a collection or payout before sending it again."""

    retryable = True


class ProviderRefused(ProviderError):
    """The provider refused the request as such (credentials, a malformed or unpayable field)."""

    def __init__(self, provider: str, message: str, *, code: str | None = None):
        super().__init__(provider, message)
        self.code = code


class UnknownTransaction(ProviderRefused):
    """A status query named a collection or payout the provider has no record of (its initiation
    never reached it, or timed out before it was recorded)."""


class CallbackRejected(ProviderError):
    """A callback that cannot be trusted or read: forged digest, unknown shape, missing fields."""


class UnpayableAmount(ProviderRefused):
    """An amount the provider cannot carry (cents of a currency it takes in whole units, a currency it
    does not take, zero or less); nothing was sent."""


@dataclasses.dataclass(frozen=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # bool and float are refused alike
            raise TypeError(f"Money.minor must be an int, not {type(self.minor).__name__}")
        if self.currency not in MINOR_UNIT_DIGITS:
            raise ValueError(f"unknown currency {self.currency!r}")


def to_whole_units(provider: str, money: Money, currencies: frozenset[str]) -> int:
    """``money`` in the currency's whole units, as a provider that takes no fractions wants it."""
    if money.currency not in currencies:
        raise UnpayableAmount(provider, f"{money.currency} is not a currency {provider} takes ({', '.join(sorted(currencies))})")
    if money.minor <= 0:
        raise UnpayableAmount(provider, f"the amount must be positive, not {money.minor} minor units")
    whole, fraction = divmod(money.minor, 10 ** MINOR_UNIT_DIGITS[money.currency])
    if fraction:
        raise UnpayableAmount(
            provider, f"{money.minor} minor units of {money.currency} is not a whole amount, which {provider} requires"
        )
    return whole


def from_whole_units(provider: str, value: Any, currency: str) -> Money:
    """A provider's amount (an int, a Decimal, or a string such as "1000" or "1000.00") as Money."""
    try:
        amount = decimal.Decimal(value) if isinstance(value, (int, str, decimal.Decimal)) and not isinstance(value, bool) else None
    except decimal.InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ProviderError(provider, f"unreadable amount {value!r}")
    minor = amount.scaleb(MINOR_UNIT_DIGITS[currency])
    if minor != minor.to_integral_value():
        raise ProviderError(provider, f"amount {value!r} has more digits than {currency} minor units")
    return Money(int(minor), currency)


def parse_json(provider: str, body: bytes) -> Any:
    """A provider's JSON with non-integral numbers as Decimal (never float)."""
    try:
        return json.loads(body, parse_float=decimal.Decimal)
    except (ValueError, UnicodeDecodeError):
        raise ProviderError(provider, f"answered something that is not JSON: {body[:200]!r}") from None


def e164_digits(msisdn: str) -> str:
    """'+255712345678' -> '255712345678': the form every provider here wants."""
    digits = msisdn[1:] if msisdn.startswith("+") else msisdn
    if not digits.isdigit() or not 10 <= len(digits) <= 15:
        raise ValueError(f"{msisdn!r} is not an E.164 phone number")
    return digits


@dataclasses.dataclass(frozen=True)
class Transaction:
    """What a provider says about one collection or payout, normalised.

    ``reference`` is Nexgate's own id for it (sent to the provider; None when a callback does not
    carry it: Daraja's STK callback names only ``provider_id``). ``provider_id`` is the id the provider
    gave when the request was accepted (Daraja's CheckoutRequestID or B2C ConversationID, Selcom's
    order reference, TemboPlus's transactionId): the key to deduplicate on. ``receipt`` is the
    provider's id of the money movement once it happened (M-Pesa receipt, TemboPlus transactionId,
    Selcom's transid of the payment). ``amount`` is what the provider reports, when it reports one.
    ``answers_query`` marks a callback that answers a status query we sent.
    """

    provider: str
    kind: Kind
    state: State
    reference: str | None
    provider_id: str | None
    amount: Money | None = None
    receipt: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    # A callback that is the provider's answer to our own status query (Daraja answers its
    # Transaction Status API only by callback), not a report of the provider's own accord.
    answers_query: bool = False

    def raw_json(self) -> bytes:
        """The provider's JSON, for an audit column (jsonb): a non-integral number as its exact text
        ("10116.00"), never through a float."""
        return json.dumps(self.raw, default=_exact_text, separators=(",", ":")).encode()


def _exact_text(value: Any) -> str:
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


@dataclasses.dataclass(frozen=True)
class CallbackAnswer:
    """What the provider expects back from a callback route, duplicates included."""

    status: int
    body: bytes
    content_type: str = "application/json"


class MobileMoneyProvider(Protocol):
    name: str
    currencies: frozenset[str]
    callback_answer: CallbackAnswer

    def callback_url(self, kind: Kind) -> str:
        """Where this client tells the provider to send callbacks of ``kind``."""

    def verify_callback_secret(self, secret: str) -> bool:
        """Whether the secret path segment of a callback request is this provider's."""

    async def collect(
        self, *, reference: str, msisdn: str, amount: Money, description: str, payer_name: str = "",
        payer_email: str = "",
    ) -> Transaction:
        """Push a payment prompt to ``msisdn`` (E.164); pending (or failed if refused at once)."""

    async def collection_status(self, *, reference: str, provider_id: str | None = None) -> Transaction:
        """Ask the provider where a collection stands."""

    async def payout(
        self, *, reference: str, msisdn: str, amount: Money, description: str, recipient_name: str = "",
    ) -> Transaction:
        """Send ``amount`` to the wallet ``msisdn``; pending (or failed/succeeded if answered at once)."""

    async def payout_status(self, *, reference: str, provider_id: str | None = None) -> Transaction:
        """Ask the provider where a payout stands."""

    def read_callback(self, kind: Kind, *, headers: Mapping[str, str], body: bytes) -> Transaction:
        """Read (and verify, where the provider signs) a callback; ``CallbackRejected`` if it cannot be trusted."""


class HttpProvider:
    """What the three clients share: one ``aiohttp.ClientSession``, a timeout per request, transport
    failures turned into ``ProviderUnavailable``, and the callback URLs they hand out
    (``{callback_base}/{name}/{secret}/{kind}``)."""

    name = ""

    def __init__(self, session: aiohttp.ClientSession, *, base_url: str, callback_base: str, callback_secret: str, timeout_s: float):
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.callback_base = callback_base.rstrip("/")
        self.callback_secret = callback_secret
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(timeout_s, 5))

    def callback_url(self, kind: Kind) -> str:
        return f"{self.callback_base}/{self.name}/{self.callback_secret}/{kind}"

    def verify_callback_secret(self, secret: str) -> bool:
        return bool(self.callback_secret) and hmac.compare_digest(secret.encode(), self.callback_secret.encode())

    async def send(
        self, method: str, path: str, *, json_body: Any = None, headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(HTTP status, parsed JSON or None for a body that is not JSON); ``ProviderUnavailable`` when
        the provider cannot be reached in time."""
        data = json.dumps(json_body, separators=(",", ":")).encode() if json_body is not None else None
        all_headers = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        url = self.base_url + path
        try:
            async with self.session.request(
                method, url, data=data, headers=all_headers, params=params, timeout=self.timeout,
            ) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError:
            raise ProviderUnavailable(self.name, f"{method} {path} timed out after {self.timeout.total} s") from None
        except aiohttp.ClientError as error:
            raise ProviderUnavailable(self.name, f"{method} {path} failed: {error!r}") from None
        try:
            body = json.loads(raw, parse_float=decimal.Decimal) if raw else None
        except (ValueError, UnicodeDecodeError):
            body = None
        return status, body

    def unavailable_if_5xx(self, path: str, status: int, body: Any) -> None:
        if status >= 500:
            raise ProviderUnavailable(self.name, f"{path} answered {status}: {str(body)[:200]}")
