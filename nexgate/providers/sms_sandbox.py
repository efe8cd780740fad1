"""A local stand-in for Africa's Talking's SMS API that keeps every message it accepts.

``POST /version1/messaging`` checks the ``apiKey`` header and ``username`` as the gateway
does (401 otherwise), needs ``to`` and ``message`` (400 otherwise), checks each number
(E.164 and valid for its country, else statusCode 403 InvalidPhoneNumber), and answers
201 in the gateway's shape with a message id and a cost per recipient. Numbers put in
``blacklist`` are refused with 406 UserInBlacklist, and a ``from`` not in ``sender_ids``
(when that is set) with InvalidSenderId, as the gateway refuses them.

Accepted messages are kept in memory (``messages()``, ``wait_for(number)``) and, given a
directory, appended to ``messages.jsonl`` there; ``GET /sandbox/messages?to=+255...``
lists them over HTTP.

Given a ``callback_url`` (the account's delivery reports URL), it then reports each accepted
message's fate as the gateway does, ``report_delay_s`` later: a form-encoded POST of ``id``
(the messageId), ``status``, ``phoneNumber``, ``networkCode``, ``retryCount`` and, for a
failure, ``failureReason``. The number steers it, as the payment sandboxes' payer numbers do
(``REPORTS``, by its last two digits): ``Success`` (delivered) unless it ends in 90 (Failed,
DeliveryFailure), 91 (AbsentSubscriber), 92 (Expired), 93 (Rejected, UserIsInactive), 94 (no
report at all), 95 (Success twice, then a late Sent: duplicates out of order) or 96 (Failed,
then Success on the gateway's retry); ``outcomes[number]`` sets any other sequence. Each
report sent and the answer it got is kept in ``reports`` (``wait_for_reports``). ``serve`` runs it in-process when ``NEXGATE_SMS_SANDBOX`` is true,
and ``python -m nexgate.providers.sms_sandbox [PORT]`` runs it alone.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import decimal
import hmac
import logging
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import phonenumbers
from aiohttp import web

from .sandbox import HttpSandbox, run_alone
from .sms import PATH, STATUSES

log = logging.getLogger(__name__)

USERNAME = "sandbox"
API_KEY = "sandbox-api-key"
# What one SMS part costs per country calling code, in the currency it is billed in.
PRICES = {255: ("TZS", "20.0000"), 254: ("KES", "0.8000"), 256: ("UGX", "35.0000"), 250: ("RWF", "15.0000")}
DEFAULT_PRICE = ("USD", "0.0500")
# The delivery reports a number's last two digits ask for, in order: (status, failureReason).
DELIVERED = (("Success", None),)
REPORTS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "90": (("Failed", "DeliveryFailure"),),
    "91": (("AbsentSubscriber", None),),
    "92": (("Expired", None),),
    "93": (("Rejected", "UserIsInactive"),),
    "94": (),
    "95": (("Success", None), ("Success", None), ("Sent", None)),
    "96": (("Failed", "DeliveryFailure"), ("Success", None)),
}
NETWORK_CODES = {255: "64004", 254: "63902", 256: "64110", 250: "63510"}  # Vodacom TZ, Safaricom, MTN UG, MTN RW


@dataclasses.dataclass(frozen=True)
class SentReport:
    """One delivery report the sandbox POSTed, and the HTTP status it was answered (None: no answer)."""

    form: dict[str, str]
    answered: int | None


@dataclasses.dataclass(frozen=True)
class SandboxSms:
    """One message the sandbox accepted for one recipient."""

    message_id: str
    to: str
    text: str
    sender: str | None
    username: str
    cost: str
    sent_at: str

    def to_json(self) -> bytes:
        return orjson.dumps(dataclasses.asdict(self))


class SmsSandbox(HttpSandbox):
    def __init__(
        self, *, username: str = USERNAME, api_key: str = API_KEY, directory: Path | str | None = None,
        host: str = "127.0.0.1", port: int = 0, sender_ids: set[str] | None = None,
        callback_url: str | None = None, report_delay_s: float = 0.05,
    ):
        self.username = username
        self.callback_url = callback_url  # the account's delivery reports URL; None: none sent
        self.report_delay_s = report_delay_s
        self.outcomes: dict[str, tuple[tuple[str, str | None], ...]] = {}  # number -> reports, over REPORTS
        self.next_ids: list[str] = []  # the messageIds the next accepted messages get (then random ones)
        self.reports: list[SentReport] = []
        self._reported = asyncio.Condition()
        self._tasks: set[asyncio.Task] = set()
        self._session: aiohttp.ClientSession | None = None
        self.api_key = api_key
        self.directory = Path(directory) if directory else None
        super().__init__(host, port)
        self.sender_ids = sender_ids  # None: any sender id is accepted
        self.blacklist: set[str] = set()  # numbers answered with 406 UserInBlacklist
        self.refused: list[dict[str, Any]] = []  # every recipient the sandbox refused, as it answered
        self._messages: list[SandboxSms] = []
        self._arrived = asyncio.Condition()
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    # serving

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(PATH, self._messaging)
        app.router.add_get("/sandbox/messages", self._list)
        return app

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
        await super().stop()

    def settings(self) -> dict[str, Any]:
        """``Config`` overrides that point the server at this sandbox."""
        return {"sms_api_url": self.url, "sms_username": self.username, "sms_api_key": self.api_key}

    # what arrived

    def messages(self, to: str | None = None) -> list[SandboxSms]:
        return [m for m in self._messages if to is None or m.to == to]

    async def wait_for(self, to: str, timeout: float = 10.0, *, after: int = 0) -> SandboxSms:
        """The first message to ``to`` beyond the first ``after`` of them, waiting for it to arrive."""
        async with asyncio.timeout(timeout), self._arrived:
            while True:
                received = self.messages(to)
                if len(received) > after:
                    return received[after]
                await self._arrived.wait()

    async def wait_for_reports(self, count: int, timeout: float = 10.0, **match: str) -> list[SentReport]:
        """The first ``count`` reports sent whose form has these fields (``id=...``), waiting for them."""
        async with asyncio.timeout(timeout), self._reported:
            while True:
                found = [r for r in self.reports if all(r.form.get(k) == v for k, v in match.items())]
                if len(found) >= count:
                    return found[:count]
                await self._reported.wait()

    def reports_for(self, number: str) -> tuple[tuple[str, str | None], ...]:
        if number in self.outcomes:
            return self.outcomes[number]
        return REPORTS.get(number[-2:], DELIVERED)

    # delivery reports

    def _report_later(self, accepted: list[SandboxSms]) -> None:
        if not self.callback_url:
            return
        for sms in accepted:
            task = asyncio.get_running_loop().create_task(self._report(sms))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _report(self, sms: SandboxSms) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        network = NETWORK_CODES.get(phonenumbers.parse(sms.to).country_code, "99999")
        for retry, (status, reason) in enumerate(self.reports_for(sms.to)):
            await asyncio.sleep(self.report_delay_s)
            form = {"id": sms.message_id, "status": status, "phoneNumber": sms.to, "networkCode": network,
                    "retryCount": str(retry)}
            if reason:
                form["failureReason"] = reason
            try:
                async with self._session.post(self.callback_url, data=form) as response:
                    answered: int | None = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("SMS sandbox: delivery report to %s failed: %r", self.callback_url, error)
                answered = None
            async with self._reported:
                self.reports.append(SentReport(form, answered))
                self._reported.notify_all()

    # the API

    async def _messaging(self, request: web.Request) -> web.Response:
        form = await request.post()
        api_key = request.headers.get("apiKey", "")
        username = str(form.get("username", ""))
        if not (api_key and hmac.compare_digest(api_key, self.api_key) and username == self.username):
            return web.Response(status=401, text="The supplied authentication is invalid")
        for field in ("to", "message"):
            if not str(form.get(field, "")).strip():
                return web.Response(status=400, text=f"Request is missing required form field '{field}'")
        sender = str(form["from"]) if form.get("from") else None
        if sender is not None and self.sender_ids is not None and sender not in self.sender_ids:
            return web.json_response({"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}}, status=201)

        text = str(form["message"])
        parts = 1 if len(text) <= 160 else -(-len(text) // 153)
        recipients, accepted, total = [], [], {}
        for number in (n.strip() for n in str(form["to"]).split(",") if n.strip()):
            code = self._refusal(number)
            if code:
                recipient = {"statusCode": code, "number": number, "status": STATUSES[code], "cost": "0", "messageId": "None"}
                self.refused.append(recipient)
            else:
                currency, price = PRICES.get(phonenumbers.parse(number).country_code, DEFAULT_PRICE)
                cost = decimal.Decimal(price) * parts
                total[currency] = total.get(currency, 0) + cost
                sms = SandboxSms(
                    message_id=self.next_ids.pop(0) if self.next_ids else f"ATXid_{uuid.uuid4().hex}", to=number, text=text, sender=sender, username=username,
                    cost=f"{currency} {cost:.4f}", sent_at=datetime.datetime.now(datetime.UTC).isoformat(),
                )
                accepted.append(sms)
                recipient = {"statusCode": 101, "number": number, "status": "Success", "cost": sms.cost,
                             "messageId": sms.message_id}
            recipients.append(recipient)
        await self._keep(accepted)
        self._report_later(accepted)
        costs = " ".join(f"{currency} {amount:.4f}" for currency, amount in total.items()) or "0"
        summary = f"Sent to {len(accepted)}/{len(recipients)} Total Cost: {costs}"
        return web.json_response({"SMSMessageData": {"Message": summary, "Recipients": recipients}}, status=201)

    def _refusal(self, number: str) -> int | None:
        """The gateway's status code for a number it will not send to, or None."""
        try:
            valid = number.startswith("+") and phonenumbers.is_valid_number(phonenumbers.parse(number))
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            return 403
        if number in self.blacklist:
            return 406
        return None

    async def _keep(self, accepted: list[SandboxSms]) -> None:
        if not accepted:
            return
        if self.directory:
            with open(self.directory / "messages.jsonl", "ab") as file:
                file.write(b"".join(sms.to_json() + b"\n" for sms in accepted))
        for sms in accepted:
            log.info("SMS sandbox: to %s: %s", sms.to, sms.text)
        async with self._arrived:
            self._messages.extend(accepted)
            self._arrived.notify_all()

    async def _list(self, request: web.Request) -> web.Response:
        to = request.query.get("to")
        return web.json_response({"messages": [dataclasses.asdict(m) for m in self.messages(to)]})


if __name__ == "__main__":
    import sys

    directory = Path("var/sms")
    sandbox = SmsSandbox(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8026, directory=directory,
                         callback_url=sys.argv[2] if len(sys.argv) > 2 else None)
    asyncio.run(run_alone(sandbox, f"SMS sandbox keeping messages in {directory / 'messages.jsonl'}"))
