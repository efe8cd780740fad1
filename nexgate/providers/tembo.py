"""TemboPlus (Tanzania): USSD-push collections from Airtel, Tigo (Yas) and Halotel wallets, and
wallet-to-mobile payouts (Tanzanian wallets, and M-Pesa Kenya).

Requests carry static credentials (``x-account-id``, ``x-secret-key``) and an ``x-request-id``
that TemboPlus uses for idempotency: for a collection or payout it is derived from our
reference (UUID 5), so sending the same request again after a timeout cannot pay twice; status
queries get a fresh one. The channel (``TZ-TIGO-C2B``, ...) and service code (``TZ-TIGO-B2C``,
...) follow from the wallet's operator, which ``phonenumbers`` derives from the number.

A collection is answered ``PENDING_ACK`` (or refused at once: ``PAYMENT_REJECTED``,
``INSUFFICIENT_FUNDS``, ``GENERIC_FAILURE``, older ``GENERIC_ERROR``); its outcome comes by a
webhook that is **not signed**, so callers confirm it with ``collection_status`` before acting.
``PAYMENT_ACCEPTED`` is success. Amounts are whole shillings. Wire formats: spec/providers.md §3.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

import aiohttp
import phonenumbers
from phonenumbers import carrier

from ..config import Config
from .mobile_money import (
    CallbackAnswer, CallbackRejected, HttpProvider, Kind, Money, ProviderError, ProviderRefused, State,
    Transaction, UnknownTransaction, UnpayableAmount, e164_digits, parse_json, to_whole_units,
)

REQUESTS = uuid.UUID("5b0d8a52-3c1e-4c8e-9a0e-7e2f4f6b1c01")  # namespace of our x-request-ids
SUCCEEDED = "PAYMENT_ACCEPTED"
# The operator names phonenumbers gives Tanzanian and Kenyan wallets (Tigo trades as Yas,
# Halotel is Viettel's), and the channel / service code TemboPlus takes for each.
COLLECTION_CHANNELS = {"Airtel": "TZ-AIRTEL-C2B", "Yas": "TZ-TIGO-C2B", "Tigo": "TZ-TIGO-C2B",
                       "Viettel": "TZ-HALOTEL-C2B", "Halotel": "TZ-HALOTEL-C2B"}
PAYOUT_SERVICES = {
    ("TZ", "Airtel"): "TZ-AIRTEL-B2C", ("TZ", "Yas"): "TZ-TIGO-B2C", ("TZ", "Tigo"): "TZ-TIGO-B2C",
    ("TZ", "Viettel"): "TZ-HALOTEL-B2C", ("TZ", "Halotel"): "TZ-HALOTEL-B2C", ("TZ", "Vodacom"): "TZ-VODACOM-B2C",
    ("KE", "Safaricom"): "KE-SAFARICOM-B2C",
}
COUNTRY_CURRENCY = {"TZ": "TZS", "KE": "KES"}


def operator(msisdn: str) -> tuple[str, str]:
    """(region, operator name) of a wallet number, e.g. ("TZ", "Airtel")."""
    number = phonenumbers.parse("+" + e164_digits(msisdn))
    return phonenumbers.region_code_for_number(number) or "", carrier.name_for_number(number, "en")


def request_id(kind: Kind, reference: str) -> str:
    return str(uuid.uuid5(REQUESTS, f"{kind}:{reference}"))


def state_of(status_code: Any) -> State:
    code = str(status_code).upper()
    if code == SUCCEEDED:
        return State.SUCCEEDED
    return State.PENDING if code.startswith("PENDING") else State.FAILED


class TemboClient(HttpProvider):
    name = "tembo"
    currencies = frozenset({"TZS", "KES"})
    callback_answer = CallbackAnswer(200, b'{"received":true}')

    def __init__(
        self, session: aiohttp.ClientSession, *, base_url: str, account_id: str, secret_key: str, payout_account: str = "",
        callback_base: str, callback_secret: str, timeout_s: float = 15,
    ):
        super().__init__(
            session, base_url=base_url, callback_base=callback_base, callback_secret=callback_secret, timeout_s=timeout_s,
        )
        self.account_id = account_id
        self.secret_key = secret_key
        self.payout_account = payout_account

    @classmethod
    def from_config(cls, config: Config, session: aiohttp.ClientSession) -> TemboClient:
        return cls(
            session, base_url=config.tembo_base_url, account_id=config.tembo_account_id, secret_key=config.tembo_secret_key,
            payout_account=config.tembo_payout_account, callback_base=config.payments_callback_base,
            callback_secret=config.tembo_callback_secret, timeout_s=config.payments_provider_timeout_s,
        )

    async def _call(self, path: str, payload: dict[str, Any], *, idempotency: str | None = None) -> dict[str, Any]:
        headers = {"x-account-id": self.account_id, "x-secret-key": self.secret_key,
                   "x-request-id": idempotency or str(uuid.uuid4())}
        status, body = await self.send("POST", path, json_body=payload, headers=headers)
        self.unavailable_if_5xx(path, status, body)
        if not isinstance(body, dict):
            raise ProviderRefused(self.name, f"{path} answered {status} with no JSON object: {str(body)[:200]}")
        if status == 404:
            raise UnknownTransaction(self.name, f"{path}: {body.get('reason') or body}", code=str(body.get("reason")))
        if status >= 400:
            reason = body.get("reason") or body.get("statusCode")
            raise ProviderRefused(self.name, f"{path} refused ({status}): {reason} {body.get('message', '')}".strip(),
                                  code=str(reason))
        return body

    # collections

    async def collect(
        self, *, reference: str, msisdn: str, amount: Money, description: str, payer_name: str = "",
        payer_email: str = "",
    ) -> Transaction:
        region, name = operator(msisdn)
        channel = COLLECTION_CHANNELS.get(name) if region == "TZ" else None
        if channel is None:
            raise ProviderRefused(self.name, f"TemboPlus collects from Airtel, Tigo and Halotel wallets, not {name or msisdn}")
        if amount.currency != "TZS":
            raise UnpayableAmount(self.name, f"TemboPlus collects TZS, not {amount.currency}")
        answer = await self._call("/collection", {
            "channel": channel, "msisdn": e164_digits(msisdn), "amount": to_whole_units(self.name, amount, self.currencies),
            "transactionRef": reference, "narration": description or "Payment", "transactionDate": _now(),
            "callbackUrl": self.callback_url(Kind.COLLECTION),
        }, idempotency=request_id(Kind.COLLECTION, reference))
        return self._transaction(Kind.COLLECTION, reference, answer, amount)

    async def collection_status(self, *, reference: str, provider_id: str | None = None) -> Transaction:
        answer = await self._call("/collection/status", {"transactionId": provider_id or "", "transactionRef": reference})
        return self._transaction(Kind.COLLECTION, reference, answer, None)

    # payouts

    async def payout(
        self, *, reference: str, msisdn: str, amount: Money, description: str, recipient_name: str = "",
    ) -> Transaction:
        region, name = operator(msisdn)
        service = PAYOUT_SERVICES.get((region, name))
        if service is None:
            raise ProviderRefused(self.name, f"TemboPlus pays no {name or 'unknown'} wallets in {region or msisdn}")
        if COUNTRY_CURRENCY[region] != amount.currency:
            raise UnpayableAmount(self.name, f"a {region} wallet is paid in {COUNTRY_CURRENCY[region]}, not {amount.currency}")
        answer = await self._call("/payment/wallet-to-mobile", {
            "countryCode": region, "accountNo": self.payout_account, "serviceCode": service,
            "amount": to_whole_units(self.name, amount, self.currencies), "msisdn": e164_digits(msisdn),
            "narration": description or "Payout", "currencyCode": amount.currency,
            "recipientNames": recipient_name or "Nexgate user", "transactionRef": reference, "transactionDate": _now(),
            "callbackUrl": self.callback_url(Kind.PAYOUT),
        }, idempotency=request_id(Kind.PAYOUT, reference))
        return self._transaction(Kind.PAYOUT, reference, answer, amount)

    async def payout_status(self, *, reference: str, provider_id: str | None = None) -> Transaction:
        answer = await self._call("/payment/status", {"transactionId": provider_id or "", "transactionRef": reference})
        return self._transaction(Kind.PAYOUT, reference, answer, None)

    def _transaction(self, kind: Kind, reference: str | None, answer: Mapping[str, Any], amount: Money | None) -> Transaction:
        if "statusCode" not in answer:
            raise ProviderError(self.name, f"answered without a statusCode: {str(answer)[:200]}")
        code = str(answer["statusCode"])
        state = state_of(code)
        transaction_id = str(answer["transactionId"]) if answer.get("transactionId") else None
        return Transaction(
            self.name, kind, state, str(answer.get("transactionRef") or reference), transaction_id, amount=amount,
            receipt=transaction_id if state is State.SUCCEEDED else None,
            failure_code=code if state is State.FAILED else None,
            failure_message=str(answer.get("message") or answer.get("reason") or code) if state is State.FAILED else None,
            raw=answer,
        )

    # webhooks

    def read_callback(self, kind: Kind, *, headers: Mapping[str, str], body: bytes) -> Transaction:
        """An unsigned webhook: only its shape can be checked here; confirm it with the status query."""
        try:
            data = parse_json(self.name, body)
            if not isinstance(data, dict) or not data.get("transactionRef") or not data.get("transactionId"):
                raise ValueError("a webhook names its transactionRef and transactionId")
            return self._transaction(kind, None, data, None)
        except (ProviderError, ValueError) as error:
            raise CallbackRejected(self.name, f"unreadable webhook ({error}): {body[:200]!r}") from None


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
