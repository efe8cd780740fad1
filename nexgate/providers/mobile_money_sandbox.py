"""What the three mobile money sandboxes share: steering a payment by the payer's (or payee's)
number, keeping each transaction's state in memory, and sending its callbacks.

The last two digits of the phone number choose what happens (``Behaviour``; the table is in
``providers/README.md``): ``10``-``19`` fail with the provider's n-th documented failure code,
``20`` holds the request past the client's timeout, ``21`` answers 500, ``22`` sends the callback
late, ``23`` twice, ``24`` a success then a failure, ``25`` never (the status query still tells
the outcome once it is reached), ``26``/``27`` make the status query answer 500 / time out, ``28``
leaves the payment pending for ever. Every other number succeeds with one callback at once.

Any other payment settles after ``answer_s`` seconds (the payer entering a PIN; 0 by default, so
its callback may come as soon as the initiation is answered). A payment that is late or never
called back settles after ``late_s`` seconds, or at once when
``complete(key)`` (or ``POST /sandbox/payments/{key}/complete``) hurries it; until then its status
query says it is still pending.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import enum
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from .sandbox import HttpSandbox

log = logging.getLogger(__name__)


class Behaviour(enum.Enum):
    SUCCEED = "succeed"
    FAIL = "fail"
    TIME_OUT = "time out"
    ERROR_500 = "answer 500"
    LATE = "late callback"
    TWICE = "callback twice"
    OUT_OF_ORDER = "success, then a failure callback"
    NEVER = "no callback"
    STATUS_500 = "status query answers 500"
    STATUS_TIME_OUT = "status query times out"
    PENDING_FOREVER = "pending for ever"


BY_DIGITS = {
    20: Behaviour.TIME_OUT, 21: Behaviour.ERROR_500, 22: Behaviour.LATE, 23: Behaviour.TWICE,
    24: Behaviour.OUT_OF_ORDER, 25: Behaviour.NEVER, 26: Behaviour.STATUS_500, 27: Behaviour.STATUS_TIME_OUT,
    28: Behaviour.PENDING_FOREVER,
}


@dataclasses.dataclass(frozen=True)
class Failure:
    """One of a provider's documented failures: its code, its message, and whether the provider
    refuses the request at once (in the initiation's answer) rather than in the callback."""

    code: str
    message: str
    immediate: bool = False


PAYOUTS_FAIL = 29  # collections from it succeed, payouts to it fail: a refund that cannot be paid back


def steer(number: str, failures: Sequence[Failure], *, payout: bool = False) -> tuple[Behaviour, Failure | None]:
    """What the sandbox does for a payment to or from ``number`` (digits, with or without '+')."""
    digits = int(number[-2:]) if number[-2:].isdigit() else 0
    if 10 <= digits < 10 + len(failures):
        return Behaviour.FAIL, failures[digits - 10]
    if digits == PAYOUTS_FAIL:
        return (Behaviour.FAIL, next(f for f in failures if not f.immediate)) if payout else (Behaviour.SUCCEED, None)
    return BY_DIGITS.get(digits, Behaviour.SUCCEED), None


@dataclasses.dataclass
class SandboxPayment:
    """One collection or payout as the sandbox knows it."""

    key: str  # the provider's id for it
    kind: str  # "collection" | "payout"
    reference: str  # the merchant's
    msisdn: str
    amount: int  # in the provider's units
    currency: str
    callback_url: str | None  # None: the provider answers this kind of request at once, never by callback
    behaviour: Behaviour
    failure: Failure | None
    state: str = "pending"  # pending | succeeded | failed
    receipt: str | None = None
    created_at: datetime.datetime = dataclasses.field(default_factory=lambda: datetime.datetime.now(datetime.UTC))
    settled_at: datetime.datetime | None = None
    callbacks: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    hurry: asyncio.Event = dataclasses.field(default_factory=asyncio.Event, repr=False)

    def view(self) -> dict[str, Any]:
        return {
            "key": self.key, "kind": self.kind, "reference": self.reference, "msisdn": self.msisdn,
            "amount": self.amount, "currency": self.currency, "behaviour": self.behaviour.value,
            "failure": self.failure.code if self.failure else None, "state": self.state, "receipt": self.receipt,
            "callbacks_sent": len(self.callbacks),
        }


class MobileMoneySandbox(HttpSandbox):
    """Subclasses add their provider's routes (``routes``), say what a callback looks like
    (``callback``) and how a settled payment gets its receipt (``new_receipt``)."""

    name = ""
    failures: Sequence[Failure] = ()

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, answer_s: float = 0.0, late_s: float = 30.0, hold_s: float = 60.0,
    ):
        super().__init__(host, port)
        self.answer_s = answer_s  # how long a payer takes to answer the prompt (a payout to settle)
        self.late_s = late_s
        self.hold_s = hold_s
        self.payments: dict[str, SandboxPayment] = {}
        self._tasks: set[asyncio.Task] = set()
        self._stopping = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None

    # serving

    def app(self) -> web.Application:
        app = web.Application()
        self.routes(app.router)
        app.router.add_get("/sandbox/payments", self._list)
        app.router.add_post("/sandbox/payments/{key}/complete", self._complete)
        return app

    def routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        await super().start()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def stop(self) -> None:
        self._stopping.set()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await super().stop()
        if self._session:
            await self._session.close()

    # steering

    def steer(self, number: str, *, payout: bool = False) -> tuple[Behaviour, Failure | None]:
        return steer(number, self.failures, payout=payout)

    async def hold(self) -> None:
        """Keep a request unanswered past the client's timeout (until ``hold_s`` or the sandbox stops)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.hold_s)

    async def fails_initiation(self, behaviour: Behaviour) -> bool:
        """Whether the initiation is to answer 500 (after holding it past the client's timeout, if asked)."""
        if behaviour is Behaviour.TIME_OUT:
            await self.hold()
        return behaviour in (Behaviour.TIME_OUT, Behaviour.ERROR_500)

    async def fails_status_query(self, payment: SandboxPayment) -> bool:
        """Whether a status query of ``payment`` is to answer 500 (after holding it, if asked)."""
        if payment.behaviour is Behaviour.STATUS_TIME_OUT:
            await self.hold()
        return payment.behaviour in (Behaviour.STATUS_500, Behaviour.STATUS_TIME_OUT)

    def complete(self, key: str) -> None:
        """Settle a payment still pending (the payer answering, a late or lost callback) now."""
        self.payments[key].hurry.set()

    # a payment's life

    def begin(self, payment: SandboxPayment) -> None:
        """Keep ``payment`` and play out its behaviour in the background."""
        self.payments[payment.key] = payment
        if payment.failure and payment.failure.immediate:
            self.settle(payment)
            return
        self.in_background(self._play(payment), payment.key)

    def keep_settled(self, payment: SandboxPayment) -> None:
        """Keep ``payment`` as already settled (a request the provider answers with its outcome)."""
        self.payments[payment.key] = payment
        self.settle(payment)

    def settle(self, payment: SandboxPayment) -> None:
        payment.state = "failed" if payment.failure else "succeeded"
        payment.settled_at = datetime.datetime.now(datetime.UTC)
        if not payment.failure:
            payment.receipt = self.new_receipt(payment)

    async def _play(self, payment: SandboxPayment) -> None:
        behaviour = payment.behaviour
        if behaviour is Behaviour.PENDING_FOREVER:
            await payment.hurry.wait()
        else:
            wait = self.late_s if behaviour in (Behaviour.LATE, Behaviour.NEVER) else self.answer_s
            await asyncio.sleep(0)  # even at 0 s, after the initiation's answer is on its way
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(payment.hurry.wait(), wait)
        self.settle(payment)
        if behaviour is Behaviour.NEVER or payment.callback_url is None:
            return
        await self._call_back(payment, self.callback(payment, failure=payment.failure))
        if behaviour is Behaviour.TWICE:
            await self._call_back(payment, self.callback(payment, failure=payment.failure))
        elif behaviour is Behaviour.OUT_OF_ORDER:
            await self._call_back(payment, self.callback(payment, failure=self.failures[0]))

    def callback(self, payment: SandboxPayment, *, failure: Failure | None) -> tuple[dict[str, str], bytes]:
        """Headers and body of a callback telling ``payment`` succeeded (``failure`` None) or failed."""
        raise NotImplementedError

    def new_receipt(self, payment: SandboxPayment) -> str:
        raise NotImplementedError

    async def _call_back(self, payment: SandboxPayment, message: tuple[dict[str, str], bytes]) -> None:
        assert payment.callback_url is not None
        record: dict[str, Any] = {}
        payment.callbacks.append(record)
        await self.post(payment.callback_url, message, record)

    async def post(self, url: str, message: tuple[dict[str, str], bytes], record: dict[str, Any] | None = None) -> None:
        """POST a callback (headers, body) to ``url``, noting in ``record`` what it sent and what came back."""
        headers, body = message
        record = {} if record is None else record
        record["body"] = orjson.loads(body)
        assert self._session is not None
        try:
            async with self._session.post(url, data=body, headers={"Content-Type": "application/json", **headers}) as response:
                record["status"] = response.status
                record["answer"] = (await response.read())[:500].decode(errors="replace")
        except (aiohttp.ClientError, TimeoutError) as error:
            record["error"] = repr(error)
            log.warning("%s sandbox: callback to %s failed: %r", self.name, url, error)

    def in_background(self, coroutine, name: str) -> None:
        """Run ``coroutine`` as a task the sandbox cancels when it stops."""
        task = asyncio.get_running_loop().create_task(coroutine, name=f"{self.name}-sandbox:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # what the sandbox did, over HTTP

    async def _list(self, request: web.Request) -> web.Response:
        reference = request.query.get("reference")
        payments = [p.view() for p in self.payments.values() if reference in (None, p.reference)]
        return web.json_response({"payments": payments})

    async def _complete(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        if key not in self.payments:
            return web.json_response({"error": f"no payment {key}"}, status=404)
        self.complete(key)
        return web.json_response(self.payments[key].view())


def json_body(data: Mapping[str, Any], status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


async def read_json(request: web.Request) -> dict[str, Any] | None:
    """The request's JSON object, or None when the body is not one."""
    try:
        data = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None
