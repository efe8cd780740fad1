"""A local stand-in for TemboPlus: collections (USSD push), their status, wallet-to-mobile payouts,
their status, and the (unsigned) webhooks to each request's ``callbackUrl``.

Served under ``/tembo/v1`` as the API is. Every request needs ``x-account-id`` and
``x-secret-key`` (else 401 ``{"statusCode": 401, "reason": "INVALID_CREDENTIALS"}``) and an
``x-request-id`` UUID; a request id seen before gets the first answer again (TemboPlus's
idempotency), or 409 if the body differs. A missing or malformed field, or an msisdn of another
operator than the channel's, is 400 ``VALIDATION_ERROR`` (the sandbox's shape); an unknown
transaction in a status query is 404 ``TRANSACTION_NOT_FOUND``. Steered by the last two digits
of the msisdn (``mobile_money_sandbox``; providers/README.md).
``python -m nexgate.providers.tembo_sandbox [PORT]`` runs it alone.
"""
from __future__ import annotations

import asyncio
import hmac
import random
import string
import uuid
from typing import Any

import orjson
import phonenumbers
from aiohttp import web

from .mobile_money_sandbox import Failure, MobileMoneySandbox, SandboxPayment, json_body, read_json
from .sandbox import run_alone
from .tembo import COLLECTION_CHANNELS, COUNTRY_CURRENCY, PAYOUT_SERVICES, operator

PREFIX = "/tembo/v1"
ACCOUNT_ID, SECRET_KEY, PAYOUT_ACCOUNT = "sandbox-account", "sandbox-secret-key", "1100220033"

FAILURES = (
    Failure("PAYMENT_REJECTED", "The payment was rejected", immediate=True),
    Failure("INSUFFICIENT_FUNDS", "Insufficient funds", immediate=True),
    Failure("GENERIC_FAILURE", "Generic failure", immediate=True),
    Failure("PAYMENT_REJECTED", "The payer rejected the payment"),
    Failure("GENERIC_FAILURE", "The operator failed the payment"),
)
COLLECTION_FIELDS = {"channel": str, "msisdn": str, "amount": int, "transactionRef": str, "narration": str,
                     "transactionDate": str, "callbackUrl": str}
PAYOUT_FIELDS = {"countryCode": str, "accountNo": str, "serviceCode": str, "amount": int, "msisdn": str, "narration": str,
                 "currencyCode": str, "recipientNames": str, "transactionRef": str, "transactionDate": str,
                 "callbackUrl": str}
STATUS_FIELDS = {"transactionRef": str}


class TemboSandbox(MobileMoneySandbox):
    name = "tembo"
    failures = FAILURES

    def __init__(self, *, account_id: str = ACCOUNT_ID, secret_key: str = SECRET_KEY, payout_account: str = PAYOUT_ACCOUNT,
                 **options: Any):
        super().__init__(**options)
        self.account_id, self.secret_key, self.payout_account = account_id, secret_key, payout_account
        self.answered: dict[str, tuple[bytes, web.Response]] = {}  # x-request-id -> (body, first answer)

    def settings(self) -> dict[str, Any]:
        return {
            "tembo_base_url": self.url + PREFIX, "tembo_account_id": self.account_id, "tembo_secret_key": self.secret_key,
            "tembo_payout_account": self.payout_account,
        }

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_post(PREFIX + "/collection", self._collection)
        router.add_post(PREFIX + "/collection/status", self._collection_status)
        router.add_post(PREFIX + "/payment/wallet-to-mobile", self._payout)
        router.add_post(PREFIX + "/payment/status", self._payout_status)

    # the request's credentials, idempotency key and fields

    async def _read(self, request: web.Request, fields: dict[str, type]) -> dict[str, Any] | web.Response:
        account, secret = request.headers.get("x-account-id", ""), request.headers.get("x-secret-key", "")
        if not (hmac.compare_digest(account, self.account_id) and hmac.compare_digest(secret, self.secret_key)):
            return json_body({"statusCode": 401, "reason": "INVALID_CREDENTIALS"}, 401)
        try:
            uuid.UUID(request.headers.get("x-request-id", ""))
        except ValueError:
            return _invalid("x-request-id must be a UUID")
        body = await read_json(request)
        if body is None:
            return _invalid("the body must be a JSON object")
        for name, kind in fields.items():
            value = body.get(name)
            if not isinstance(value, kind) or isinstance(value, bool) or value == "":
                return _invalid(f"{name} is required ({kind.__name__})")
        return body

    async def _idempotent(self, request: web.Request, fields: dict[str, type], handle) -> web.Response:
        """Answer a collection or payout once per x-request-id; a repeat gets the first answer."""
        body = await self._read(request, fields)
        if isinstance(body, web.Response):
            return body
        key, raw = request.headers["x-request-id"], await request.read()
        if key in self.answered:
            first_body, first = self.answered[key]
            if first_body != raw:
                return json_body({"statusCode": 409, "reason": "DUPLICATE_REQUEST_ID"}, 409)
            return json_body(orjson.loads(first.body), first.status)
        answer = await handle(body)
        if answer.status < 500:
            self.answered[key] = (raw, answer)
        return answer

    # collections

    async def _collection(self, request: web.Request) -> web.Response:
        return await self._idempotent(request, COLLECTION_FIELDS, self._collect)

    async def _collect(self, body: dict[str, Any]) -> web.Response:
        if body["channel"] not in set(COLLECTION_CHANNELS.values()):
            return _invalid(f"unknown channel {body['channel']}")
        if COLLECTION_CHANNELS.get(_operator(body["msisdn"])[1]) != body["channel"]:
            return _invalid(f"msisdn {body['msisdn']} is not a {body['channel']} number")
        if body["amount"] < 1:
            return _invalid("amount must be a positive whole number of TZS")
        return await self._begin("collection", body, "TZS")

    async def _collection_status(self, request: web.Request) -> web.Response:
        return await self._status(request, "collection")

    # payouts

    async def _payout(self, request: web.Request) -> web.Response:
        return await self._idempotent(request, PAYOUT_FIELDS, self._pay)

    async def _pay(self, body: dict[str, Any]) -> web.Response:
        region, name = _operator(body["msisdn"])
        if body["serviceCode"] not in set(PAYOUT_SERVICES.values()) or PAYOUT_SERVICES.get((region, name)) != body["serviceCode"]:
            return _invalid(f"msisdn {body['msisdn']} is not a {body['serviceCode']} number")
        if body["countryCode"] != region or body["currencyCode"] != COUNTRY_CURRENCY.get(region):
            return _invalid(f"countryCode and currencyCode must be {region} and {COUNTRY_CURRENCY.get(region)}")
        if body["accountNo"] != self.payout_account:
            return _invalid("unknown accountNo")
        if body["amount"] < 1:
            return _invalid("amount must be a positive whole number")
        return await self._begin("payout", body, body["currencyCode"])

    async def _payout_status(self, request: web.Request) -> web.Response:
        return await self._status(request, "payout")

    # both

    async def _begin(self, kind: str, body: dict[str, Any], currency: str) -> web.Response:
        if any(p.reference == body["transactionRef"] and p.kind == kind for p in self.payments.values()):
            return _invalid(f"transactionRef {body['transactionRef']} was used before")
        behaviour, failure = self.steer(body["msisdn"], payout=kind == "payout")
        if await self.fails_initiation(behaviour):
            return json_body({"statusCode": "GENERIC_FAILURE", "reason": "INTERNAL_SERVER_ERROR"}, 500)
        payment = SandboxPayment(
            key="".join(random.choices(string.ascii_letters + string.digits + "-", k=9)), kind=kind,
            reference=body["transactionRef"], msisdn=body["msisdn"], amount=body["amount"], currency=currency,
            callback_url=body["callbackUrl"], behaviour=behaviour, failure=failure,
        )
        self.begin(payment)
        return json_body(self._answer(payment))

    async def _status(self, request: web.Request, kind: str) -> web.Response:
        body = await self._read(request, STATUS_FIELDS)
        if isinstance(body, web.Response):
            return body
        payment = next((p for p in self.payments.values() if p.kind == kind and p.reference == body["transactionRef"]
                        and body.get("transactionId") in ("", None, p.key)), None)
        if payment is None:
            return json_body({"statusCode": 404, "reason": "TRANSACTION_NOT_FOUND"}, 404)
        if await self.fails_status_query(payment):
            return json_body({"statusCode": "GENERIC_FAILURE", "reason": "INTERNAL_SERVER_ERROR"}, 500)
        return json_body(self._answer(payment))

    def _answer(self, payment: SandboxPayment) -> dict[str, Any]:
        if payment.state == "pending":
            code = "PENDING_ACK"
        else:
            code = payment.failure.code if payment.failure else "PAYMENT_ACCEPTED"
        answer = {"statusCode": code, "transactionRef": payment.reference, "transactionId": payment.key}
        if payment.failure and payment.state == "failed":
            answer["message"] = payment.failure.message
        return answer

    # webhooks

    def new_receipt(self, payment: SandboxPayment) -> str:
        return payment.key

    def callback(self, payment: SandboxPayment, *, failure: Failure | None) -> tuple[dict[str, str], bytes]:
        return {}, orjson.dumps({
            "statusCode": failure.code if failure else "PAYMENT_ACCEPTED", "transactionId": payment.key,
            "transactionRef": payment.reference, "meta": {},
        })


def _operator(msisdn: str) -> tuple[str, str]:
    try:
        return operator(msisdn)
    except (phonenumbers.NumberParseException, ValueError):  # not a phone number at all
        return "", ""


def _invalid(message: str) -> web.Response:
    return json_body({"statusCode": 400, "reason": "VALIDATION_ERROR", "message": message}, 400)


if __name__ == "__main__":
    import sys

    asyncio.run(run_alone(TemboSandbox(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8033), "TemboPlus sandbox"))
