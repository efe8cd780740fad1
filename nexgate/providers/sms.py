"""Outgoing SMS through Africa's Talking, the SMS gateway of most East African operators.

One call: ``POST {NEXGATE_SMS_API_URL}/version1/messaging``, form-encoded ``username``,
``to`` (comma-separated E.164 numbers), ``message`` and optionally ``from`` (a sender id
or short code), authenticated with the ``apiKey`` header. It answers 201 with one entry
per recipient::

    {"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: TZS 20.0000",
                        "Recipients": [{"statusCode": 101, "number": "+255712345678",
                                        "status": "Success", "cost": "TZS 20.0000",
                                        "messageId": "ATXid_..."}]}}

Status codes 100 (Processed), 101 (Sent) and 102 (Queued) mean the gateway took the
message; any other (403 InvalidPhoneNumber, 405 InsufficientBalance, 406 UserInBlacklist,
...) means it did not, and ``send`` raises. ``sms_sandbox.py`` speaks the same API locally.
"""
from __future__ import annotations

import dataclasses
import decimal
import re
from collections.abc import Sequence

import aiohttp
import orjson

from ..config import Config

PATH = "/version1/messaging"
TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
SUCCESS_CODES = frozenset({100, 101, 102})
PERMANENT_CODES = frozenset({403, 404, 406, 409})  # an invalid, unsupported, blacklisted or do-not-disturb number
STATUSES = {
    100: "Processed", 101: "Sent", 102: "Queued", 401: "RiskHold", 402: "InvalidSenderId",
    403: "InvalidPhoneNumber", 404: "UnsupportedNumberType", 405: "InsufficientBalance", 406: "UserInBlacklist",
    407: "CouldNotRoute", 409: "DoNotDisturbRejection", 500: "InternalServerError", 501: "GatewayError",
    502: "RejectedByGateway",
}
_COST = re.compile(r"^([A-Z]{3})\s+([0-9]+(?:\.[0-9]+)?)$")


class SmsError(Exception):
    """The gateway could not be reached, refused the request, or answered something unreadable."""


class SmsRefused(SmsError):
    """The gateway refused a recipient (``status_code`` is its per-recipient code)."""

    def __init__(self, number: str, status_code: int, status: str):
        super().__init__(f"Africa's Talking refused {number}: {status} ({status_code})")
        self.number = number
        self.status_code = status_code
        self.status = status

    @property
    def reason(self) -> str:
        return self.status

    @property
    def permanent(self) -> bool:
        """Whether the number itself is refused (so a retry would be too), not the moment."""
        return self.status_code in PERMANENT_CODES


@dataclasses.dataclass(frozen=True)
class SmsResult:
    """The gateway's answer for one recipient."""

    number: str
    status_code: int
    status: str
    message_id: str
    cost: str

    @property
    def accepted(self) -> bool:
        return self.status_code in SUCCESS_CODES

    @property
    def price(self) -> tuple[str, decimal.Decimal] | None:
        """The cost as (ISO 4217 currency, exact amount), e.g. ("TZS", Decimal("20.0000"))."""
        match = _COST.match(self.cost.strip())
        return (match.group(1), decimal.Decimal(match.group(2))) if match else None


class SmsClient:
    """Africa's Talking's SMS API over a shared ``aiohttp.ClientSession`` (created with ``TIMEOUT``)."""

    def __init__(self, session: aiohttp.ClientSession, *, api_url: str, username: str, api_key: str, sender_id: str = ""):
        self.session = session
        self.url = api_url.rstrip("/") + PATH
        self.username = username
        self.api_key = api_key
        self.sender_id = sender_id

    @classmethod
    def from_config(cls, config: Config, session: aiohttp.ClientSession) -> SmsClient:
        return cls(
            session, api_url=config.sms_api_url, username=config.sms_username, api_key=config.sms_api_key,
            sender_id=config.sms_sender_id,
        )

    async def send(self, number: str, text: str) -> SmsResult:
        """Send one SMS; the gateway's receipt, or ``SmsRefused`` / ``SmsError``."""
        result = (await self.send_many([number], text))[0]
        if not result.accepted:
            raise SmsRefused(result.number, result.status_code, result.status)
        return result

    async def send_many(self, numbers: Sequence[str], text: str) -> list[SmsResult]:
        """Send the same SMS to several numbers in one request: a result per number, accepted or not.
        Raises ``SmsError`` only if the request as a whole failed."""
        if not self.username or not self.api_key:
            raise SmsError("Set NEXGATE_SMS_USERNAME and NEXGATE_SMS_API_KEY to send SMS")
        form = {"username": self.username, "to": ",".join(numbers), "message": text}
        if self.sender_id:
            form["from"] = self.sender_id
        headers = {"apiKey": self.api_key, "Accept": "application/json"}
        try:
            async with self.session.post(self.url, data=form, headers=headers, timeout=TIMEOUT) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SmsError(f"Africa's Talking at {self.url} is unreachable: {error!r}") from None
        if status != 201:
            raise SmsError(f"Africa's Talking answered {status}: {body[:200].decode(errors='replace').strip()}")
        return _results(body)


def _results(body: bytes) -> list[SmsResult]:
    """Each recipient's result; a request refused as a whole (an unknown sender id) lists none
    and says why in ``Message``."""
    try:
        data = orjson.loads(body)["SMSMessageData"]
        recipients = data["Recipients"]
        if not recipients:
            raise SmsError(f"Africa's Talking sent nothing: {data.get('Message') or 'no recipients'}")
        return [
            SmsResult(
                number=r["number"], status_code=int(r["statusCode"]), status=r["status"],
                message_id=r["messageId"], cost=r["cost"],
            )
            for r in recipients
        ]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise SmsError(f"Africa's Talking answered something unreadable ({error!r}): {body[:200]!r}") from None
