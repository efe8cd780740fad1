"""Selcom (Tanzania): checkout orders paid by a USSD push to the payer's wallet (or on Selcom's
hosted card page), and wallet cash-in payouts.

Every request is signed: ``Authorization: SELCOM base64(api_key)``, ``Timestamp`` (ISO 8601,
Dar es Salaam time), ``Digest-Method: HS256``, ``Signed-Fields`` (the body's field names, in
order) and ``Digest`` = base64(HMAC-SHA256(api_secret, "timestamp=<Timestamp>&f1=v1&f2=v2...")).
A GET signs its query parameters the same way. Webhooks come signed the same way over
``transid,order_id,reference,result,resultcode,payment_status`` with our api_secret:
``read_callback`` recomputes the digest and raises ``CallbackRejected`` for a forged or stale one.

Answers come in one envelope (``transid, reference, resultcode, result, message, data``):
SUCCESS/000 done, INPROGRESS (111, 927) and AMBIGOUS (999) not known yet (query later), PENDING
accepted, FAIL anything else. A collection is the order (``order_id`` = our reference) plus a
wallet push; Selcom names it by our order id in its status and webhook, so ``provider_id`` is
that id and ``receipt`` is Selcom's payment reference. A payout (``walletcashin/process``) is
answered at once, or INPROGRESS to be queried (``walletcashin/query``, transid = our reference).
Wire formats: spec/providers.md §2; amounts are whole shillings (TZS).
"""
from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from ..config import Config
from .mobile_money import (
    CallbackAnswer, CallbackRejected, HttpProvider, Kind, Money, ProviderError, ProviderRefused, State,
    Transaction, UnknownTransaction, e164_digits, from_whole_units, parse_json, to_whole_units,
)

DAR_ES_SALAAM = datetime.timezone(datetime.timedelta(hours=3), "EAT")
WEBHOOK_FIELDS = ("transid", "order_id", "reference", "result", "resultcode", "payment_status")
NOT_FOUND = "404"  # the sandbox's choices: Selcom documents no code for an unknown order or transid,
DUPLICATE = "409"  # nor for an order id (or a push of it) sent twice
NOT_KNOWN_YET = frozenset({"INPROGRESS", "AMBIGOUS", "PENDING"})
PAID = frozenset({"COMPLETED", "SUCCESS"})
WEBHOOK_MAX_AGE = datetime.timedelta(hours=1)


def selcom_timestamp(now: datetime.datetime | None = None) -> str:
    return (now or datetime.datetime.now(datetime.UTC)).astimezone(DAR_ES_SALAAM).isoformat(timespec="seconds")


def digest(secret: str, stamp: str, fields: Sequence[tuple[str, Any]]) -> str:
    """base64(HMAC-SHA256(secret, "timestamp=<stamp>&f1=v1&...")), values as their text."""
    message = "&".join([f"timestamp={stamp}", *(f"{name}={_text(value)}" for name, value in fields)])
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


def signed_headers(api_key: str, api_secret: str, fields: Mapping[str, Any], stamp: str | None = None) -> dict[str, str]:
    stamp = stamp or selcom_timestamp()
    return {
        "Authorization": "SELCOM " + base64.b64encode(api_key.encode()).decode(),
        "Timestamp": stamp, "Digest-Method": "HS256", "Digest": digest(api_secret, stamp, list(fields.items())),
        "Signed-Fields": ",".join(fields),
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclasses.dataclass(frozen=True)
class Checkout:
    """A hosted payment page (cards, or any wallet) for one order: send the payer to ``url``."""

    reference: str  # ours (the order id)
    url: str
    payment_token: str
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)


class SelcomClient(HttpProvider):
    name = "selcom"
    currencies = frozenset({"TZS"})
    callback_answer = CallbackAnswer(200, b'{"result":"SUCCESS","resultcode":"000"}')

    def __init__(
        self, session: aiohttp.ClientSession, *, base_url: str, api_key: str, api_secret: str, vendor: str,
        pin: str = "", callback_base: str, callback_secret: str, timeout_s: float = 15,
    ):
        super().__init__(
            session, base_url=base_url, callback_base=callback_base, callback_secret=callback_secret, timeout_s=timeout_s,
        )
        self.api_key = api_key
        self.api_secret = api_secret
        self.vendor = vendor
        self.pin = pin

    @classmethod
    def from_config(cls, config: Config, session: aiohttp.ClientSession) -> SelcomClient:
        return cls(
            session, base_url=config.selcom_base_url, api_key=config.selcom_api_key, api_secret=config.selcom_api_secret,
            vendor=config.selcom_vendor, pin=config.selcom_pin, callback_base=config.payments_callback_base,
            callback_secret=config.selcom_callback_secret, timeout_s=config.payments_provider_timeout_s,
        )

    async def _call(self, method: str, path: str, fields: dict[str, Any]) -> dict[str, Any]:
        """The envelope of a signed request; ``ProviderRefused`` when Selcom refuses it as such."""
        headers = signed_headers(self.api_key, self.api_secret, fields)
        if method == "GET":
            status, body = await self.send("GET", path, params={k: _text(v) for k, v in fields.items()}, headers=headers)
        else:
            status, body = await self.send(method, path, json_body=fields, headers=headers)
        self.unavailable_if_5xx(path, status, body)
        if not isinstance(body, dict) or "resultcode" not in body:
            raise ProviderRefused(self.name, f"{path} answered {status} without an envelope: {str(body)[:200]}")
        if status != 200:
            raise ProviderRefused(self.name, f"{path} refused ({status}): {body.get('message')}", code=str(body["resultcode"]))
        return body

    # collections

    async def _create_order(self, reference: str, amount: Money, payer: tuple[str, str, str], **more: Any) -> dict[str, Any]:
        name, email, phone = payer
        return await self._call("POST", "/checkout/create-order-minimal", {
            "vendor": self.vendor, "order_id": reference, "buyer_email": email or "payer@nexgate.invalid",
            "buyer_name": name or "Nexgate payer", "buyer_phone": phone,
            "amount": to_whole_units(self.name, amount, self.currencies), "currency": amount.currency, "no_of_items": 1,
            "webhook": _b64(self.callback_url(Kind.COLLECTION)), **more,
        })

    async def collect(
        self, *, reference: str, msisdn: str, amount: Money, description: str, payer_name: str = "",
        payer_email: str = "",
    ) -> Transaction:
        phone = e164_digits(msisdn)
        order = await self._create_order(reference, amount, (payer_name, payer_email, phone))
        if order.get("result") != "SUCCESS" and str(order.get("resultcode")) != DUPLICATE:
            return self._failed(Kind.COLLECTION, reference, order)
        # Sent again (after a timeout): the order exists, and a push already under way stays so.
        push = await self._call("POST", "/checkout/wallet-payment", {"transid": reference, "order_id": reference, "msisdn": phone})
        if push.get("result") == "FAIL" and str(push.get("resultcode")) != DUPLICATE:
            return self._failed(Kind.COLLECTION, reference, push)
        return Transaction(self.name, Kind.COLLECTION, State.PENDING, reference, reference, amount=amount,
                           raw={"order": order, "push": push})

    async def create_checkout(
        self, *, reference: str, amount: Money, payer_name: str, payer_email: str, payer_msisdn: str,
        redirect_url: str, cancel_url: str, expiry_minutes: int = 60,
    ) -> Checkout:
        """An order paid on Selcom's hosted page (cards: Nexgate never sees the card); its outcome comes
        by the same webhook and status query as a collection."""
        order = await self._create_order(
            reference, amount, (payer_name, payer_email, e164_digits(payer_msisdn)),
            redirect_url=_b64(redirect_url), cancel_url=_b64(cancel_url), expiry=expiry_minutes,
        )
        if order.get("result") != "SUCCESS" or not order.get("data"):
            raise ProviderRefused(self.name, f"the order was not created: {order.get('message')}", code=str(order["resultcode"]))
        page = order["data"][0]
        return Checkout(reference, base64.b64decode(page["payment_gateway_url"]).decode(), str(page.get("payment_token", "")), order)

    async def collection_status(self, *, reference: str, provider_id: str | None = None) -> Transaction:
        answer = await self._call("GET", "/checkout/order-status", {"order_id": provider_id or reference})
        if answer.get("result") != "SUCCESS" or not answer.get("data"):
            if answer.get("result") in NOT_KNOWN_YET:
                return Transaction(self.name, Kind.COLLECTION, State.PENDING, reference, reference, raw=answer)
            if str(answer["resultcode"]) == NOT_FOUND:
                raise UnknownTransaction(self.name, f"no order {reference}: {answer.get('message')}", code=NOT_FOUND)
            raise ProviderRefused(self.name, f"order {reference}: {answer.get('message')}", code=str(answer["resultcode"]))
        order = answer["data"][0]
        status = str(order.get("payment_status") or "PENDING").upper()
        state = State.SUCCEEDED if status in PAID else State.PENDING if status in NOT_KNOWN_YET else State.FAILED
        return Transaction(
            self.name, Kind.COLLECTION, state, reference, reference,
            amount=from_whole_units(self.name, order["amount"], "TZS") if order.get("amount") is not None else None,
            receipt=_text(order.get("reference")) or None if state is State.SUCCEEDED else None,
            failure_code=status if state is State.FAILED else None,
            failure_message=f"payment {status.lower()}" if state is State.FAILED else None, raw=answer,
        )

    # payouts

    async def payout(
        self, *, reference: str, msisdn: str, amount: Money, description: str, recipient_name: str = "",
    ) -> Transaction:
        phone = e164_digits(msisdn)
        answer = await self._call("POST", "/walletcashin/process", {
            "transid": reference, "utilitycode": "CASHIN", "utilityref": phone,
            "amount": to_whole_units(self.name, amount, self.currencies), "vendor": self.vendor, "pin": self.pin,
            "msisdn": phone,
        })
        return self._payout_answer(reference, answer, amount)

    async def payout_status(self, *, reference: str, provider_id: str | None = None) -> Transaction:
        answer = await self._call("GET", "/walletcashin/query", {"transid": provider_id or reference})
        if answer.get("result") == "FAIL" and str(answer["resultcode"]) == NOT_FOUND:
            raise UnknownTransaction(self.name, f"no payout {reference}: {answer.get('message')}", code=NOT_FOUND)
        return self._payout_answer(reference, answer, None)

    def _payout_answer(self, reference: str, answer: dict[str, Any], amount: Money | None) -> Transaction:
        result = str(answer.get("result", "")).upper()
        if result == "SUCCESS":
            return Transaction(self.name, Kind.PAYOUT, State.SUCCEEDED, reference, reference, amount=amount,
                               receipt=_text(answer.get("reference")) or None, raw=answer)
        if result in NOT_KNOWN_YET:
            return Transaction(self.name, Kind.PAYOUT, State.PENDING, reference, reference, amount=amount, raw=answer)
        return self._failed(Kind.PAYOUT, reference, answer)

    def _failed(self, kind: Kind, reference: str, answer: Mapping[str, Any]) -> Transaction:
        return Transaction(
            self.name, kind, State.FAILED, reference, reference, failure_code=_text(answer.get("resultcode")),
            failure_message=_text(answer.get("message")), raw=answer,
        )

    # webhooks

    def read_callback(self, kind: Kind, *, headers: Mapping[str, str], body: bytes) -> Transaction:
        try:
            data = parse_json(self.name, body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except (ProviderError, ValueError) as error:
            raise CallbackRejected(self.name, f"unreadable webhook ({error})") from None
        self._verify(headers, data)
        try:
            paid = str(data["result"]).upper() == "SUCCESS" and str(data["payment_status"]).upper() in PAID
            failed = str(data["result"]).upper() == "FAIL" or not (paid or str(data["payment_status"]).upper() in NOT_KNOWN_YET)
            order_id = str(data["order_id"])
            return Transaction(
                self.name, kind, State.SUCCEEDED if paid else State.FAILED if failed else State.PENDING, order_id, order_id,
                receipt=_text(data["reference"]) or None if paid else None,
                failure_code=_text(data["resultcode"]) if failed else None,
                failure_message=_text(data.get("message") or data["result"]) if failed else None, raw=data,
            )
        except KeyError as error:
            raise CallbackRejected(self.name, f"webhook without {error}") from None

    def _verify(self, headers: Mapping[str, str], data: Mapping[str, Any]) -> None:
        """Refuse a webhook not signed with our api_secret over every field Selcom signs, or signed long ago."""
        lowered = {name.lower(): value for name, value in headers.items()}
        signed = [name for name in lowered.get("signed-fields", "").split(",") if name]
        stamp = lowered.get("timestamp", "")
        if lowered.get("digest-method") != "HS256" or not set(WEBHOOK_FIELDS) <= set(signed):
            raise CallbackRejected(self.name, f"webhook not signed over {','.join(WEBHOOK_FIELDS)} with HS256")
        expected = digest(self.api_secret, stamp, [(name, data.get(name)) for name in signed])
        if not hmac.compare_digest(lowered.get("digest", "").encode(), expected.encode()):
            raise CallbackRejected(self.name, "webhook digest does not match: forged, or signed with another secret")
        try:
            age = datetime.datetime.now(datetime.UTC) - datetime.datetime.fromisoformat(stamp)
        except (ValueError, TypeError):
            raise CallbackRejected(self.name, f"webhook Timestamp {stamp!r} is not ISO 8601") from None
        if abs(age) > WEBHOOK_MAX_AGE:
            raise CallbackRejected(self.name, f"webhook signed at {stamp}, too long ago to trust (a replay)")


def _b64(url: str) -> str:
    return base64.b64encode(url.encode()).decode()
