"""Safaricom M-Pesa through the Daraja API (Kenya): STK push collections and B2C payouts.

Every call carries ``Authorization: Bearer <token>`` from ``GET /oauth/v1/generate`` (Basic
consumer key and secret; the token is kept until shortly before its ``expires_in``, and fetched
again once if Daraja calls it invalid). STK push and STK query send ``Password`` =
base64(ShortCode + Passkey + Timestamp) with the Nairobi-time ``Timestamp``; B2C sends
``SecurityCredential`` = base64(RSA PKCS#1 v1.5 of the initiator password under Safaricom's
certificate), made once per client with ``cryptography``. Amounts are whole shillings.

Callbacks carry no signature: ``read_callback`` checks their shape only; callers re-query
(``collection_status``) before crediting. Daraja answers an STK query with HTTP 500 and
``errorCode`` 500.001.1001 while the payer has not answered yet: that is ``pending``, not an
outage. The B2C result names our reference (the v3 ``OriginatorConversationID``); the STK
callback names only the CheckoutRequestID (``provider_id``). Wire formats: spec/providers.md §1.
"""
from __future__ import annotations

import asyncio
import base64
import datetime
import re
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..config import Config
from .mobile_money import (
    CallbackAnswer, CallbackRejected, HttpProvider, Kind, Money, ProviderError, ProviderRefused, State,
    Transaction, e164_digits, from_whole_units, parse_json, to_whole_units,
)

NAIROBI = datetime.timezone(datetime.timedelta(hours=3), "EAT")  # Kenya keeps no daylight saving
STILL_PROCESSING = "500.001.1001"
INVALID_TOKEN = "404.001.03"
TOKEN_MARGIN_S = 60
FAILED_STATUSES = frozenset({"failed", "declined", "cancelled", "expired", "reversed"})


def timestamp(now: datetime.datetime | None = None) -> str:
    return (now or datetime.datetime.now(datetime.UTC)).astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def stk_password(shortcode: str, passkey: str, stamp: str) -> str:
    return base64.b64encode(f"{shortcode}{passkey}{stamp}".encode()).decode()


def security_credential(password: str, certificate_pem: bytes) -> str:
    """base64(RSA PKCS#1 v1.5 (password)) under the key of Safaricom's certificate (or a bare public key)."""
    try:
        key = x509.load_pem_x509_certificate(certificate_pem).public_key()
    except ValueError:
        key = serialization.load_pem_public_key(certificate_pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the Daraja certificate must hold an RSA key")
    return base64.b64encode(key.encrypt(password.encode(), padding.PKCS1v15())).decode()


def account_reference(reference: str) -> str:
    """What the payer's prompt shows as the account: at most 12 letters and digits of our reference."""
    return re.sub(r"[^A-Za-z0-9]", "", reference)[:12] or "Nexgate"


class DarajaClient(HttpProvider):
    name = "daraja"
    currencies = frozenset({"KES"})
    callback_answer = CallbackAnswer(200, b'{"ResultCode":0,"ResultDesc":"Accepted"}')

    def __init__(
        self, session: aiohttp.ClientSession, *, base_url: str, consumer_key: str, consumer_secret: str,
        shortcode: str, passkey: str, transaction_type: str = "CustomerPayBillOnline", b2c_shortcode: str = "",
        initiator_name: str = "", initiator_password: str = "", certificate_pem: bytes = b"",
        callback_base: str, callback_secret: str, timeout_s: float = 15,
    ):
        super().__init__(
            session, base_url=base_url, callback_base=callback_base, callback_secret=callback_secret, timeout_s=timeout_s,
        )
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.shortcode = shortcode
        self.passkey = passkey
        self.transaction_type = transaction_type
        self.b2c_shortcode = b2c_shortcode
        self.initiator_name = initiator_name
        self._credential = security_credential(initiator_password, certificate_pem) if certificate_pem else ""
        self._token: tuple[str, float] | None = None  # (token, monotonic expiry)
        self._token_lock = asyncio.Lock()

    @classmethod
    def from_config(cls, config: Config, session: aiohttp.ClientSession) -> DarajaClient:
        certificate = b""
        if config.daraja_certificate:
            with open(config.daraja_certificate, "rb") as file:
                certificate = file.read()
        return cls(
            session, base_url=config.daraja_base_url, consumer_key=config.daraja_consumer_key,
            consumer_secret=config.daraja_consumer_secret, shortcode=config.daraja_shortcode,
            passkey=config.daraja_passkey, transaction_type=config.daraja_transaction_type,
            b2c_shortcode=config.daraja_b2c_shortcode, initiator_name=config.daraja_initiator_name,
            initiator_password=config.daraja_initiator_password, certificate_pem=certificate,
            callback_base=config.payments_callback_base, callback_secret=config.daraja_callback_secret,
            timeout_s=config.payments_provider_timeout_s,
        )

    # OAuth

    async def _bearer(self, *, renew: bool = False) -> str:
        async with self._token_lock:
            if self._token and not renew and time.monotonic() < self._token[1]:
                return self._token[0]
            basic = base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode()).decode()
            path = "/oauth/v1/generate"
            status, body = await self.send(
                "GET", path, params={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"},
            )
            self.unavailable_if_5xx(path, status, body)
            if status != 200 or not isinstance(body, dict) or not body.get("access_token"):
                raise ProviderRefused(self.name, f"OAuth refused the consumer key ({status}): {_error(body)}",
                                      code=_code(body))
            lifetime = int(str(body.get("expires_in", "3599")))
            self._token = (str(body["access_token"]), time.monotonic() + max(lifetime - TOKEN_MARGIN_S, 1))
            return self._token[0]

    async def _post(self, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
        """POST with the bearer token, fetching a new one once if Daraja says it is invalid."""
        status, body = await self.send("POST", path, json_body=payload, headers={"Authorization": f"Bearer {await self._bearer()}"})
        if status in (401, 404) and _code(body) == INVALID_TOKEN:
            token = await self._bearer(renew=True)
            status, body = await self.send("POST", path, json_body=payload, headers={"Authorization": f"Bearer {token}"})
        return status, body

    # collections

    async def collect(
        self, *, reference: str, msisdn: str, amount: Money, description: str, payer_name: str = "",
        payer_email: str = "",
    ) -> Transaction:
        shillings = to_whole_units(self.name, amount, self.currencies)
        phone = int(e164_digits(msisdn))
        stamp = timestamp()
        path = "/mpesa/stkpush/v1/processrequest"
        status, body = await self._post(path, {
            "BusinessShortCode": int(self.shortcode), "Password": stk_password(self.shortcode, self.passkey, stamp),
            "Timestamp": stamp, "TransactionType": self.transaction_type, "Amount": shillings, "PartyA": phone,
            "PartyB": int(self.shortcode), "PhoneNumber": phone, "CallBackURL": self.callback_url(Kind.COLLECTION),
            "AccountReference": account_reference(reference), "TransactionDesc": (description or "Payment")[:13],
        })
        self._refuse_unless_accepted(path, status, body)
        if not body.get("CheckoutRequestID"):
            raise ProviderError(self.name, f"STK push accepted without a CheckoutRequestID: {str(body)[:200]}")
        return Transaction(
            provider=self.name, kind=Kind.COLLECTION, state=State.PENDING, reference=reference,
            provider_id=str(body["CheckoutRequestID"]), amount=amount, raw=body,
        )

    async def collection_status(self, *, reference: str, provider_id: str | None = None) -> Transaction:
        if not provider_id:
            raise ValueError("Daraja's STK query needs the CheckoutRequestID (provider_id)")
        stamp = timestamp()
        path = "/mpesa/stkpushquery/v1/query"
        status, body = await self._post(path, {
            "BusinessShortCode": int(self.shortcode), "Password": stk_password(self.shortcode, self.passkey, stamp),
            "Timestamp": stamp, "CheckoutRequestID": provider_id,
        })
        pending = Transaction(self.name, Kind.COLLECTION, State.PENDING, reference, provider_id, raw=body or {})
        if _code(body) == STILL_PROCESSING:
            return pending
        self.unavailable_if_5xx(path, status, body)
        if status != 200 or not isinstance(body, dict) or "ResultCode" not in body:
            raise ProviderRefused(self.name, f"STK query refused ({status}): {_error(body)}", code=_code(body))
        code = str(body["ResultCode"])
        if code == "0":
            return Transaction(self.name, Kind.COLLECTION, State.SUCCEEDED, reference, provider_id, raw=body)
        return Transaction(
            self.name, Kind.COLLECTION, State.FAILED, reference, provider_id, failure_code=code,
            failure_message=str(body.get("ResultDesc", "")), raw=body,
        )

    # payouts

    async def payout(
        self, *, reference: str, msisdn: str, amount: Money, description: str, recipient_name: str = "",
    ) -> Transaction:
        shillings = to_whole_units(self.name, amount, self.currencies)
        if not self._credential:
            raise ProviderRefused(self.name, "B2C needs NEXGATE_DARAJA_CERTIFICATE and the initiator's password")
        path = "/mpesa/b2c/v3/paymentrequest"
        status, body = await self._post(path, {
            "OriginatorConversationID": reference, "InitiatorName": self.initiator_name,
            "SecurityCredential": self._credential, "CommandID": "BusinessPayment", "Amount": shillings,
            "PartyA": int(self.b2c_shortcode), "PartyB": int(e164_digits(msisdn)), "Remarks": (description or "Payout")[:100],
            "QueueTimeOutURL": self.callback_url(Kind.PAYOUT), "ResultURL": self.callback_url(Kind.PAYOUT), "Occasion": "",
        })
        self._refuse_unless_accepted(path, status, body)
        return Transaction(
            provider=self.name, kind=Kind.PAYOUT, state=State.PENDING, reference=reference,
            provider_id=str(body.get("ConversationID") or ""), amount=amount, raw=body,
        )

    async def payout_status(self, *, reference: str, provider_id: str | None = None) -> Transaction:
        """Ask Daraja's Transaction Status API about a B2C payment. Daraja answers by callback: this
        returns ``pending`` once the query is accepted, and the answer arrives at the payout callback
        URL, where ``read_callback(Kind.PAYOUT, ...)`` reads it like a B2C result (our reference rides
        in ``Occasion``)."""
        if not self._credential:
            raise ProviderRefused(self.name, "the Transaction Status API needs NEXGATE_DARAJA_CERTIFICATE and the initiator's password")
        path = "/mpesa/transactionstatus/v1/query"
        status, body = await self._post(path, {
            "Initiator": self.initiator_name, "SecurityCredential": self._credential, "CommandID": "TransactionStatusQuery",
            "TransactionID": "", "OriginatorConversationID": reference, "PartyA": int(self.b2c_shortcode),
            "IdentifierType": "4", "ResultURL": self.callback_url(Kind.PAYOUT),
            "QueueTimeOutURL": self.callback_url(Kind.PAYOUT), "Remarks": "Payout status", "Occasion": reference,
        })
        self._refuse_unless_accepted(path, status, body)
        return Transaction(self.name, Kind.PAYOUT, State.PENDING, reference, provider_id, raw=body)

    def _refuse_unless_accepted(self, path: str, status: int, body: Any) -> None:
        self.unavailable_if_5xx(path, status, body)
        if status != 200 or not isinstance(body, dict) or str(body.get("ResponseCode")) != "0":
            raise ProviderRefused(self.name, f"{path} refused ({status}): {_error(body)}", code=_code(body))

    # callbacks

    def read_callback(self, kind: Kind, *, headers: Mapping[str, str], body: bytes) -> Transaction:
        try:
            data = parse_json(self.name, body)
            if kind is Kind.COLLECTION:
                return self._stk_result(data["Body"]["stkCallback"])
            return self._b2c_result(data["Result"])
        except (ProviderError, KeyError, TypeError, ValueError) as error:
            raise CallbackRejected(self.name, f"unreadable {kind} callback ({error!r}): {body[:200]!r}") from None

    def _stk_result(self, callback: dict[str, Any]) -> Transaction:
        code = str(callback["ResultCode"])
        items = {item["Name"]: item.get("Value") for item in (callback.get("CallbackMetadata") or {}).get("Item", [])}
        succeeded = code == "0"
        return Transaction(
            provider=self.name, kind=Kind.COLLECTION, state=State.SUCCEEDED if succeeded else State.FAILED,
            reference=None, provider_id=str(callback["CheckoutRequestID"]),
            amount=from_whole_units(self.name, items["Amount"], "KES") if succeeded else None,
            receipt=str(items["MpesaReceiptNumber"]) if succeeded else None,
            failure_code=None if succeeded else code, failure_message=None if succeeded else str(callback.get("ResultDesc", "")),
            raw=callback,
        )

    def _b2c_result(self, result: dict[str, Any]) -> Transaction:
        code = str(result["ResultCode"])
        parameters = {p["Key"]: p.get("Value") for p in (result.get("ResultParameters") or {}).get("ResultParameter", [])}
        if "TransactionStatus" in parameters or _occasion(result) is not None:
            return self._status_result(result, code, parameters)
        succeeded = code == "0"
        return Transaction(
            provider=self.name, kind=Kind.PAYOUT, state=State.SUCCEEDED if succeeded else State.FAILED,
            reference=str(result["OriginatorConversationID"]), provider_id=str(result["ConversationID"]),
            amount=from_whole_units(self.name, parameters["TransactionAmount"], "KES") if succeeded else None,
            receipt=str(result.get("TransactionID") or parameters.get("TransactionReceipt")) if succeeded else None,
            failure_code=None if succeeded else code, failure_message=None if succeeded else str(result.get("ResultDesc", "")),
            raw=result,
        )

    def _status_result(self, result: dict[str, Any], code: str, parameters: dict[str, Any]) -> Transaction:
        """The Transaction Status API's answer about a payout: Completed, a failure, or nothing learnt
        (the query itself failed, ResultCode not 0: still pending as far as we know)."""
        status = str(parameters.get("TransactionStatus", "")).lower() if code == "0" else ""
        state = (State.SUCCEEDED if status == "completed" else State.FAILED if status in FAILED_STATUSES
                 else State.PENDING)
        return Transaction(
            provider=self.name, kind=Kind.PAYOUT, state=state, reference=_occasion(result), provider_id=None,
            amount=from_whole_units(self.name, parameters["Amount"], "KES") if state is State.SUCCEEDED else None,
            receipt=str(parameters.get("ReceiptNo")) if state is State.SUCCEEDED else None,
            failure_code=status if state is State.FAILED else None,
            failure_message=str(parameters.get("ReasonType") or status) if state is State.FAILED else None, raw=result,
            answers_query=True,
        )


def _occasion(result: dict[str, Any]) -> str | None:
    """Our reference, which a Transaction Status query sends as Occasion and its result echoes."""
    items = (result.get("ReferenceData") or {}).get("ReferenceItem") or []
    for item in items if isinstance(items, list) else [items]:
        if item.get("Key") == "Occasion" and item.get("Value"):
            return str(item["Value"])
    return None


def _code(body: Any) -> str | None:
    return str(body["errorCode"]) if isinstance(body, dict) and "errorCode" in body else None


def _error(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("errorMessage") or body.get("ResponseDescription") or body)[:200]
    return str(body)[:200]
