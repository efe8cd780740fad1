"""A local stand-in for Selcom's API gateway: checkout orders, wallet (USSD) pushes, order status,
the hosted checkout page, wallet cash-in payouts and their query, and signed webhooks.

Served under ``/v1`` as the gateway is. Every request must carry Selcom's signed headers
(``Authorization: SELCOM base64(api_key)``, ``Timestamp`` within 15 minutes, ``Digest-Method:
HS256``, ``Signed-Fields`` naming every field sent, and the HMAC-SHA256 ``Digest``): otherwise
401 in Selcom's envelope; a missing field is 400. Webhooks go to the base64 URL the order named,
signed with the same api_secret over ``transid,order_id,reference,result,resultcode,payment_status``.

Steered by the last two digits of the wallet number (``mobile_money_sandbox``; providers/README.md).
A payout is answered at once (SUCCESS or FAIL), or INPROGRESS when it is late (``22``, ``25``) or
pending for ever (``28``) and then settled for ``walletcashin/query``: Selcom calls no payout back.
``python -m nexgate.providers.selcom_sandbox [PORT]`` runs it alone.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import datetime
import hmac
import html
import random
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from .mobile_money_sandbox import Behaviour, Failure, MobileMoneySandbox, SandboxPayment, json_body, read_json
from .sandbox import run_alone
from .selcom import WEBHOOK_FIELDS, digest, signed_headers

PREFIX = "/v1"
API_KEY, API_SECRET, VENDOR, PIN = "sandbox-api-key", "sandbox-api-secret", "TILL60000001", "1234"
MAX_SKEW = datetime.timedelta(minutes=15)

FAILURES = (  # Selcom publishes no failure codes beyond FAIL; these are the sandbox's own
    Failure("051", "Insufficient balance in the payer's wallet"),
    Failure("052", "Payment cancelled by the payer"),
    Failure("053", "Wrong PIN entered"),
    Failure("054", "The payer did not answer the prompt in time"),
    Failure("055", "The wallet is locked"),
    Failure("056", "The number is not a mobile money wallet", immediate=True),
)
CANCELLED = FAILURES[1]
ORDER_FIELDS = ("vendor", "order_id", "buyer_email", "buyer_name", "buyer_phone", "amount", "currency", "no_of_items")
PUSH_FIELDS = ("transid", "order_id", "msisdn")
CASHIN_FIELDS = ("transid", "utilitycode", "utilityref", "amount", "vendor", "pin", "msisdn")


class SelcomSandbox(MobileMoneySandbox):
    name = "selcom"
    failures = FAILURES

    def __init__(self, *, api_key: str = API_KEY, api_secret: str = API_SECRET, vendor: str = VENDOR, pin: str = PIN,
                 **options: Any):
        super().__init__(**options)
        self.api_key, self.api_secret, self.vendor, self.pin = api_key, api_secret, vendor, pin
        self.orders: dict[str, dict[str, Any]] = {}

    def settings(self) -> dict[str, Any]:
        return {
            "selcom_base_url": self.url + PREFIX, "selcom_api_key": self.api_key, "selcom_api_secret": self.api_secret,
            "selcom_vendor": self.vendor, "selcom_pin": self.pin,
        }

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post(PREFIX + "/checkout/create-order-minimal", self._create_order)
        router.add_post(PREFIX + "/checkout/wallet-payment", self._wallet_payment)
        router.add_get(PREFIX + "/checkout/order-status", self._order_status)
        router.add_post(PREFIX + "/walletcashin/process", self._cashin)
        router.add_get(PREFIX + "/walletcashin/query", self._cashin_query)
        router.add_get("/sandbox/checkout/{order_id}", self._checkout_page)
        router.add_post("/sandbox/checkout/{order_id}", self._checkout_pay)

    # authentication

    async def _signed(self, request: web.Request, required: tuple[str, ...]) -> dict[str, Any] | web.Response:
        """The request's fields if signed with our key and secret and complete, else Selcom's refusal."""
        fields = dict(request.query) if request.method == "GET" else await read_json(request)
        if fields is None:
            return _envelope("FAIL", "400", "Request body is not a JSON object", status=400)
        problem = self.signature_problem(request.headers, fields)
        if problem:
            return _envelope("FAIL", "401", problem, status=401)
        missing = [name for name in required if fields.get(name) in (None, "")]
        if missing:
            return _envelope("FAIL", "400", f"Missing required field(s): {', '.join(missing)}", status=400)
        return fields

    def signature_problem(self, headers: Mapping[str, str], fields: Mapping[str, Any]) -> str | None:
        expected_key = "SELCOM " + base64.b64encode(self.api_key.encode()).decode()
        if not hmac.compare_digest(headers.get("Authorization", ""), expected_key):
            return "Invalid API key"
        if headers.get("Digest-Method") != "HS256":
            return "Unsupported Digest-Method (HS256 expected)"
        stamp = headers.get("Timestamp", "")
        try:
            skew = abs(datetime.datetime.now(datetime.UTC) - datetime.datetime.fromisoformat(stamp))
        except (ValueError, TypeError):
            return "Invalid Timestamp"
        if skew > MAX_SKEW:
            return "Timestamp too far from now"
        signed = [name for name in headers.get("Signed-Fields", "").split(",") if name]
        if set(signed) != set(fields) or len(signed) != len(fields):
            return "Signed-Fields must name every field sent, once"
        if not hmac.compare_digest(headers.get("Digest", ""), digest(self.api_secret, stamp, [(n, fields[n]) for n in signed])):
            return "Invalid Digest"
        return None

    # checkout orders

    async def _create_order(self, request: web.Request) -> web.Response:
        fields = await self._signed(request, ORDER_FIELDS)
        if isinstance(fields, web.Response):
            return fields
        problem = self._invalid_order(fields)
        if problem:
            return _envelope("FAIL", "400", problem, status=400)
        order_id = str(fields["order_id"])
        if order_id in self.orders:
            return _envelope("FAIL", "409", f"Order {order_id} already exists")
        reference = _selcom_reference()
        self.orders[order_id] = {
            "fields": fields, "reference": reference, "webhook": _decoded(fields.get("webhook")),
            "created": datetime.datetime.now(datetime.UTC),
        }
        page = f"{self.url}/sandbox/checkout/{order_id}"
        return _envelope("SUCCESS", "000", "Order creation successful", reference=reference, data=[{
            "gateway_buyer_uuid": f"{random.getrandbits(64):016x}", "payment_token": str(random.randint(10**7, 10**8 - 1)),
            "qr": "QR", "payment_gateway_url": base64.b64encode(page.encode()).decode(),
        }])

    def _invalid_order(self, fields: Mapping[str, Any]) -> str | None:
        if fields["vendor"] != self.vendor:
            return "Unknown vendor"
        if fields["currency"] not in ("TZS", "USD"):
            return "currency must be TZS or USD"
        if not isinstance(fields["amount"], int) or isinstance(fields["amount"], bool) or fields["amount"] < 1:
            return "amount must be a positive whole number"
        if not _tanzanian(fields["buyer_phone"]):
            return "buyer_phone must be 255 followed by 9 digits"
        for name in ("webhook", "redirect_url", "cancel_url"):
            if name in fields and not _decoded(fields[name]).startswith(("http://", "https://")):
                return f"{name} must be a base64-encoded URL"
        return None

    async def _wallet_payment(self, request: web.Request) -> web.Response:
        fields = await self._signed(request, PUSH_FIELDS)
        if isinstance(fields, web.Response):
            return fields
        order = self.orders.get(str(fields["order_id"]))
        if order is None:
            return _envelope("FAIL", "404", f"No order {fields['order_id']}", transid=fields["transid"])
        if not _tanzanian(fields["msisdn"]):
            return _envelope("FAIL", "400", "msisdn must be 255 followed by 9 digits", status=400)
        if str(fields["order_id"]) in self.payments:
            return _envelope("FAIL", "409", "The order is already being paid", transid=fields["transid"])
        behaviour, failure = self.steer(str(fields["msisdn"]))
        if await self.fails_initiation(behaviour):
            return _envelope("FAIL", "500", "Internal server error", status=500)
        payment = self._order_payment(str(fields["order_id"]), str(fields["transid"]), str(fields["msisdn"]), behaviour, failure)
        self.begin(payment)
        if failure and failure.immediate:
            return _envelope("FAIL", failure.code, failure.message, transid=fields["transid"], reference=order["reference"])
        return _envelope("PENDING", "000", "Request in progress. You will receive a callback shortly.",
                         transid=fields["transid"], reference=order["reference"])

    def _order_payment(self, order_id: str, transid: str, msisdn: str, behaviour: Behaviour,
                       failure: Failure | None) -> SandboxPayment:
        order = self.orders[order_id]
        return SandboxPayment(
            key=order_id, kind="collection", reference=order_id, msisdn=msisdn, amount=order["fields"]["amount"],
            currency=order["fields"]["currency"], callback_url=order["webhook"] or None, behaviour=behaviour,
            failure=failure, extra={"transid": transid},
        )

    async def _order_status(self, request: web.Request) -> web.Response:
        fields = await self._signed(request, ("order_id",))
        if isinstance(fields, web.Response):
            return fields
        order_id = str(fields["order_id"])
        order = self.orders.get(order_id)
        if order is None:
            return _envelope("FAIL", "404", f"No order {order_id}")
        payment = self.payments.get(order_id)
        if payment and await self.fails_status_query(payment):
            return _envelope("FAIL", "500", "Internal server error", status=500)
        paid = payment is not None and payment.state == "succeeded"
        status = {"succeeded": "COMPLETED", "failed": "REJECTED"}.get(payment.state, "PENDING") if payment else "PENDING"
        return _envelope("SUCCESS", "000", "Order fetch successful", reference=order["reference"], data=[{
            "order_id": order_id, "creation_date": order["created"].strftime("%Y-%m-%d %H:%M:%S"),
            "amount": str(order["fields"]["amount"]), "payment_status": status,
            "transid": payment.extra["transid"] if payment and payment.state != "pending" else None,
            "channel": "MOBILEMONEY" if paid else None, "reference": payment.receipt if paid else None,
            "phone": payment.msisdn if payment and payment.state != "pending" else None,
        }])

    # the hosted page (cards or any wallet): a payer clicks Pay or Cancel

    async def _checkout_page(self, request: web.Request) -> web.Response:
        order = self.orders.get(request.match_info["order_id"])
        if order is None:
            raise web.HTTPNotFound(text="No such order")
        fields = order["fields"]
        page = (
            f"<!doctype html><title>Selcom sandbox checkout</title><h1>Pay {html.escape(str(fields['amount']))} "
            f"{html.escape(fields['currency'])}</h1><p>Order {html.escape(str(fields['order_id']))} for "
            f"{html.escape(str(fields['buyer_name']))}</p><form method=post><button name=action value=pay>Pay</button> "
            f"<button name=action value=cancel>Cancel</button></form>"
        )
        return web.Response(text=page, content_type="text/html")

    async def _checkout_pay(self, request: web.Request) -> web.Response:
        order_id = request.match_info["order_id"]
        order = self.orders.get(order_id)
        if order is None:
            raise web.HTTPNotFound(text="No such order")
        if order_id not in self.payments:
            action = (await request.post()).get("action")
            phone = str(order["fields"]["buyer_phone"])
            behaviour, failure = self.steer(phone)
            if action != "pay":
                behaviour, failure = Behaviour.SUCCEED, CANCELLED
            self.begin(self._order_payment(order_id, _selcom_reference(), phone, behaviour, failure))
        back = _decoded(order["fields"].get("redirect_url" if self.payments[order_id].failure is None else "cancel_url"))
        if back:
            raise web.HTTPSeeOther(back)
        return web.Response(text=f"Order {order_id}: {self.payments[order_id].state}")

    # wallet cash-in (payouts)

    async def _cashin(self, request: web.Request) -> web.Response:
        fields = await self._signed(request, CASHIN_FIELDS)
        if isinstance(fields, web.Response):
            return fields
        if fields["vendor"] != self.vendor or not hmac.compare_digest(str(fields["pin"]), self.pin):
            return _envelope("FAIL", "403", "Invalid vendor or PIN", transid=fields["transid"])
        amount = fields["amount"]
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1 or not _tanzanian(fields["msisdn"]):
            return _envelope("FAIL", "400", "amount must be a positive whole number and msisdn 255 + 9 digits", status=400)
        if any(p.extra.get("transid") == fields["transid"] for p in self.payments.values() if p.kind == "payout"):
            return _envelope("FAIL", "409", "Duplicate transid", transid=fields["transid"])
        behaviour, failure = self.steer(str(fields["msisdn"]), payout=True)
        if await self.fails_initiation(behaviour):
            return _envelope("FAIL", "500", "Internal server error", status=500)
        payment = SandboxPayment(
            key=_selcom_reference(), kind="payout", reference=str(fields["transid"]), msisdn=str(fields["msisdn"]),
            amount=amount, currency="TZS", callback_url=None, behaviour=behaviour, failure=failure,
            extra={"transid": fields["transid"]},
        )
        if behaviour in (Behaviour.LATE, Behaviour.NEVER, Behaviour.PENDING_FOREVER):
            self.begin(payment)
        else:
            self.keep_settled(payment)
        return self._cashin_answer(payment)

    async def _cashin_query(self, request: web.Request) -> web.Response:
        fields = await self._signed(request, ("transid",))
        if isinstance(fields, web.Response):
            return fields
        payment = next((p for p in self.payments.values() if p.kind == "payout" and p.reference == fields["transid"]), None)
        if payment is None:
            return _envelope("FAIL", "404", f"No transaction {fields['transid']}", transid=fields["transid"])
        if await self.fails_status_query(payment):
            return _envelope("FAIL", "500", "Internal server error", status=500)
        return self._cashin_answer(payment)

    def _cashin_answer(self, payment: SandboxPayment) -> web.Response:
        if payment.state == "pending":
            return _envelope("INPROGRESS", "111", "Transaction in progress", transid=payment.reference, reference=payment.key)
        if payment.failure:
            return _envelope("FAIL", payment.failure.code, payment.failure.message, transid=payment.reference,
                             reference=payment.key)
        return _envelope("SUCCESS", "000", f"Cash-in of TZS {payment.amount} to {payment.msisdn} successful",
                         transid=payment.reference, reference=payment.receipt)

    # webhooks

    def new_receipt(self, payment: SandboxPayment) -> str:
        return _selcom_reference()

    def callback(self, payment: SandboxPayment, *, failure: Failure | None) -> tuple[dict[str, str], bytes]:
        body = {
            "transid": payment.extra["transid"], "order_id": payment.reference,
            "reference": payment.receipt if not failure else _selcom_reference(),
            "result": "FAIL" if failure else "SUCCESS", "resultcode": failure.code if failure else "000",
            "payment_status": "REJECTED" if failure else "COMPLETED",
        }
        ordered = {name: body[name] for name in WEBHOOK_FIELDS}
        return signed_headers(self.api_key, self.api_secret, ordered), orjson.dumps(ordered)


def _envelope(result: str, code: str, message: str, *, status: int = 200, transid: Any = None, reference: Any = None,
              data: list | None = None) -> web.Response:
    return json_body({"transid": transid, "reference": reference, "resultcode": code, "result": result,
                      "message": message, "data": data or []}, status)


def _selcom_reference() -> str:
    return f"0{random.randint(10**8, 10**9 - 1)}"


def _decoded(value: Any) -> str:
    try:
        return base64.b64decode(str(value or ""), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _tanzanian(number: Any) -> bool:
    digits = str(number)
    return isinstance(number, str) and len(digits) == 12 and digits.startswith("255") and digits.isdigit()


if __name__ == "__main__":
    import sys

    asyncio.run(run_alone(SelcomSandbox(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8032), "Selcom sandbox"))
