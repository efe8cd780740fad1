"""A local stand-in for Safaricom's Daraja API: OAuth, STK push, STK query and B2C, with the
callbacks POSTed to the CallBackURL / ResultURL each request names.

It checks what Daraja checks: Basic consumer key and secret for a token (kept ``token_ttl_s``);
a valid Bearer token on every other call (else 401 ``404.001.03`` Invalid Access Token); the STK
``Password`` against its short code, passkey and ``Timestamp``; each field's presence and type
(else 400 ``400.002.02`` Bad Request - Invalid <field>); and the B2C ``SecurityCredential`` by
decrypting it with the private key of the certificate the client encrypts to (a wrong one fails
the payment with result 2001, as Daraja does). A payment is steered by the last two digits of its
PhoneNumber / PartyB (``mobile_money_sandbox``; table in providers/README.md); its STK query says
500.001.1001 (being processed) until it settles. ``python -m nexgate.providers.daraja_sandbox
[PORT]`` runs it alone.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import random
import string
import uuid
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .daraja import INVALID_TOKEN, NAIROBI, STILL_PROCESSING, stk_password
from .mobile_money_sandbox import Failure, MobileMoneySandbox, SandboxPayment, json_body, read_json
from .sandbox import run_alone

HERE = Path(__file__).parent
CERTIFICATE = HERE / "daraja_sandbox_cert.pem"  # what the client encrypts the initiator password to
PRIVATE_KEY = HERE / "daraja_sandbox_key.pem"  # a key for this sandbox only, published with it
CONSUMER_KEY, CONSUMER_SECRET = "sandbox-consumer-key", "sandbox-consumer-secret"
SHORTCODE, PASSKEY = "174379", "sandbox-passkey"
B2C_SHORTCODE, INITIATOR, INITIATOR_PASSWORD = "600000", "sandbox-initiator", "sandbox-initiator-password"

FAILURES = (
    Failure("1", "The balance is insufficient for the transaction."),
    Failure("17", "System internal error."),
    Failure("26", "System busy. The service request is rejected."),
    Failure("1001", "Unable to lock subscriber, a transaction is already in process for the current subscriber"),
    Failure("1019", "Transaction has expired"),
    Failure("1025", "An error occurred while sending a push request"),
    Failure("9999", "An error occurred while sending a push request."),
    Failure("1032", "Request cancelled by user"),
    Failure("1037", "DS timeout user cannot be reached"),
    Failure("2001", "The initiator information is invalid."),
)
INVALID_INITIATOR = FAILURES[-1]
STK_FIELDS = {
    "BusinessShortCode": int, "Password": str, "Timestamp": str, "TransactionType": str, "Amount": int, "PartyA": int,
    "PartyB": int, "PhoneNumber": int, "CallBackURL": str, "AccountReference": str, "TransactionDesc": str,
}
STATUS_FIELDS = {
    "Initiator": str, "SecurityCredential": str, "CommandID": str, "PartyA": int, "IdentifierType": str,
    "ResultURL": str, "QueueTimeOutURL": str, "Remarks": str,
}
B2C_FIELDS = {
    "InitiatorName": str, "SecurityCredential": str, "CommandID": str, "Amount": int, "PartyA": int, "PartyB": int,
    "Remarks": str, "QueueTimeOutURL": str, "ResultURL": str,
}


class DarajaSandbox(MobileMoneySandbox):
    name = "daraja"
    failures = FAILURES

    def __init__(
        self, *, consumer_key: str = CONSUMER_KEY, consumer_secret: str = CONSUMER_SECRET, shortcode: str = SHORTCODE,
        passkey: str = PASSKEY, b2c_shortcode: str = B2C_SHORTCODE, initiator_name: str = INITIATOR,
        initiator_password: str = INITIATOR_PASSWORD, token_ttl_s: int = 3599, **options: Any,
    ):
        super().__init__(**options)
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.shortcode, self.passkey = shortcode, passkey
        self.b2c_shortcode, self.initiator_name, self.initiator_password = b2c_shortcode, initiator_name, initiator_password
        self.token_ttl_s = token_ttl_s
        self.tokens: dict[str, float] = {}  # token -> loop time it expires
        key = serialization.load_pem_private_key(PRIVATE_KEY.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self._key = key

    def settings(self) -> dict[str, Any]:
        """``Config`` overrides that point the server's Daraja client at this sandbox."""
        return {
            "daraja_base_url": self.url, "daraja_consumer_key": self.consumer_key,
            "daraja_consumer_secret": self.consumer_secret, "daraja_shortcode": self.shortcode,
            "daraja_passkey": self.passkey, "daraja_b2c_shortcode": self.b2c_shortcode,
            "daraja_initiator_name": self.initiator_name, "daraja_initiator_password": self.initiator_password,
            "daraja_certificate": str(CERTIFICATE),
        }

    def routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/oauth/v1/generate", self._oauth)
        router.add_post("/mpesa/stkpush/v1/processrequest", self._stk_push)
        router.add_post("/mpesa/stkpushquery/v1/query", self._stk_query)
        router.add_post("/mpesa/b2c/v1/paymentrequest", self._b2c)
        router.add_post("/mpesa/b2c/v3/paymentrequest", self._b2c)
        router.add_post("/mpesa/transactionstatus/v1/query", self._transaction_status)

    # OAuth

    async def _oauth(self, request: web.Request) -> web.Response:
        if request.query.get("grant_type") != "client_credentials":
            return _error("400.008.02", "Invalid grant type passed", 400)
        expected = base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode()).decode()
        if not hmac.compare_digest(request.headers.get("Authorization", ""), f"Basic {expected}"):
            return _error("400.008.01", "Invalid Authentication passed", 400)
        token = "".join(random.choices(string.ascii_letters + string.digits, k=28))
        self.tokens[token] = asyncio.get_running_loop().time() + self.token_ttl_s
        return json_body({"access_token": token, "expires_in": str(self.token_ttl_s)})

    def _authorised(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expiry = self.tokens.get(token)
        return scheme == "Bearer" and expiry is not None and asyncio.get_running_loop().time() < expiry

    async def _read(self, request: web.Request, fields: dict[str, type]) -> dict[str, Any] | web.Response:
        """The request's body if authorised and well-formed, else the error Daraja answers."""
        if not self._authorised(request):
            return _error(INVALID_TOKEN, "Invalid Access Token", 401)
        body = await read_json(request)
        if body is None:
            return _error("400.002.05", "Invalid Request Payload", 400)
        for field, kind in fields.items():
            value = body.get(field)
            if not isinstance(value, kind) or isinstance(value, bool) or value in ("", None):
                return _error("400.002.02", f"Bad Request - Invalid {field}", 400)
        return body

    def _password_ok(self, body: dict[str, Any]) -> bool:
        stamp = str(body["Timestamp"])
        expected = stk_password(self.shortcode, self.passkey, stamp)
        return len(stamp) == 14 and stamp.isdigit() and hmac.compare_digest(str(body["Password"]), expected)

    # STK push and query

    async def _stk_push(self, request: web.Request) -> web.Response:
        body = await self._read(request, STK_FIELDS)
        if isinstance(body, web.Response):
            return body
        invalid = self._invalid_stk(body)
        if invalid:
            return _error("400.002.02", f"Bad Request - Invalid {invalid}", 400)
        behaviour, failure = self.steer(str(body["PhoneNumber"]))
        if await self.fails_initiation(behaviour):
            return _error("500.003.02", "System is busy, please try again later", 500)
        merchant_id = f"{random.randint(10000, 99999)}-{random.randint(10**7, 10**8 - 1)}-1"
        checkout_id = f"ws_CO_{uuid.uuid4().hex[:20]}"
        self.begin(SandboxPayment(
            key=checkout_id, kind="collection", reference=str(body["AccountReference"]), msisdn=str(body["PhoneNumber"]),
            amount=body["Amount"], currency="KES", callback_url=str(body["CallBackURL"]), behaviour=behaviour,
            failure=failure, extra={"MerchantRequestID": merchant_id},
        ))
        accepted = "Success. Request accepted for processing"
        return json_body({
            "MerchantRequestID": merchant_id, "CheckoutRequestID": checkout_id, "ResponseCode": "0",
            "ResponseDescription": accepted, "CustomerMessage": accepted,
        })

    def _invalid_stk(self, body: dict[str, Any]) -> str | None:
        """The first field Daraja would refuse, or None."""
        checks = {
            "BusinessShortCode": str(body["BusinessShortCode"]) == self.shortcode,
            "Password": self._password_ok(body),
            "TransactionType": body["TransactionType"] in ("CustomerPayBillOnline", "CustomerBuyGoodsOnline"),
            "Amount": body["Amount"] >= 1,
            "PhoneNumber": _kenyan(body["PhoneNumber"]) and body["PartyA"] == body["PhoneNumber"],
            "CallBackURL": str(body["CallBackURL"]).startswith(("http://", "https://")),
            "AccountReference": len(str(body["AccountReference"])) <= 12,
        }
        return next((field for field, ok in checks.items() if not ok), None)

    async def _stk_query(self, request: web.Request) -> web.Response:
        body = await self._read(request, {"BusinessShortCode": int, "Password": str, "Timestamp": str, "CheckoutRequestID": str})
        if isinstance(body, web.Response):
            return body
        if str(body["BusinessShortCode"]) != self.shortcode or not self._password_ok(body):
            return _error("400.002.02", "Bad Request - Invalid Password", 400)
        payment = self.payments.get(str(body["CheckoutRequestID"]))
        if payment is None or payment.kind != "collection":
            return _error("400.002.02", "Bad Request - Invalid CheckoutRequestID", 400)
        if await self.fails_status_query(payment):
            return _error("500.003.02", "System is busy, please try again later", 500)
        if payment.state == "pending":
            return _error(STILL_PROCESSING, "The transaction is being processed", 500)
        failure = payment.failure
        return json_body({
            "ResponseCode": "0", "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": payment.extra["MerchantRequestID"], "CheckoutRequestID": payment.key,
            "ResultCode": failure.code if failure else "0",
            "ResultDesc": failure.message if failure else "The service request is processed successfully.",
        })

    # B2C

    async def _b2c(self, request: web.Request) -> web.Response:
        body = await self._read(request, B2C_FIELDS)
        if isinstance(body, web.Response):
            return body
        v3 = "/v3/" in request.path
        originator = body.get("OriginatorConversationID") if v3 else f"{random.randint(10000, 99999)}-{random.randint(10**7, 10**8 - 1)}-1"
        invalid = self._invalid_b2c(body, originator)
        if invalid:
            return _error("400.002.02", f"Bad Request - Invalid {invalid}", 400)
        behaviour, failure = self.steer(str(body["PartyB"]), payout=True)
        if await self.fails_initiation(behaviour):
            return _error("500.003.02", "System is busy, please try again later", 500)
        if not self._credential_ok(body):
            failure = INVALID_INITIATOR
        conversation_id = f"AG_{uuid.uuid4().hex[:20].upper()}"
        self.begin(SandboxPayment(
            key=conversation_id, kind="payout", reference=str(originator), msisdn=str(body["PartyB"]), amount=body["Amount"],
            currency="KES", callback_url=str(body["ResultURL"]), behaviour=behaviour, failure=failure,
        ))
        return json_body({
            "ConversationID": conversation_id, "OriginatorConversationID": originator, "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully.",
        })

    def _invalid_b2c(self, body: dict[str, Any], originator: Any) -> str | None:
        checks = {
            "OriginatorConversationID": isinstance(originator, str) and 0 < len(originator) <= 64,
            "CommandID": body["CommandID"] in ("BusinessPayment", "SalaryPayment", "PromotionPayment"),
            "Amount": body["Amount"] >= 1,
            "PartyA": str(body["PartyA"]) == self.b2c_shortcode,
            "PartyB": _kenyan(body["PartyB"]),
            "ResultURL": str(body["ResultURL"]).startswith(("http://", "https://")),
        }
        return next((field for field, ok in checks.items() if not ok), None)

    def _credential_ok(self, body: dict[str, Any]) -> bool:
        try:
            password = self._key.decrypt(base64.b64decode(str(body["SecurityCredential"])), padding.PKCS1v15())
        except (ValueError, binascii.Error):
            return False
        return body["InitiatorName"] == self.initiator_name and hmac.compare_digest(password, self.initiator_password.encode())

    # Transaction Status (answered by callback, like B2C)

    async def _transaction_status(self, request: web.Request) -> web.Response:
        body = await self._read(request, STATUS_FIELDS)
        if isinstance(body, web.Response):
            return body
        if body["CommandID"] != "TransactionStatusQuery" or str(body["PartyA"]) != self.b2c_shortcode:
            return _error("400.002.02", "Bad Request - Invalid CommandID or PartyA", 400)
        payment = next((p for p in self.payments.values() if p.kind == "payout" and (
            p.reference == body.get("OriginatorConversationID") or (p.receipt and p.receipt == body.get("TransactionID")))), None)
        if payment and await self.fails_status_query(payment):
            return _error("500.003.02", "System is busy, please try again later", 500)
        conversation_id = f"AG_{uuid.uuid4().hex[:20].upper()}"
        originator = f"{random.randint(10000, 99999)}-{random.randint(10**7, 10**8 - 1)}-1"
        result = self._status_result(payment, body, originator, conversation_id)
        self.in_background(self.post(str(body["ResultURL"]), ({}, orjson.dumps({"Result": result}))), conversation_id)
        return json_body({
            "OriginatorConversationID": originator, "ConversationID": conversation_id, "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully.",
        })

    def _status_result(self, payment: SandboxPayment | None, query: dict[str, Any], originator: str,
                       conversation_id: str) -> dict[str, Any]:
        result: dict[str, Any] = {
            "ResultType": 0, "OriginatorConversationID": originator, "ConversationID": conversation_id,
            "TransactionID": "".join(random.choices(string.ascii_uppercase + string.digits, k=10)),
            "ReferenceData": {"ReferenceItem": {"Key": "Occasion", "Value": query.get("Occasion", "")}},
        }
        if payment is None or not self._credential_ok({**query, "InitiatorName": query["Initiator"]}):
            failure = INVALID_INITIATOR if payment else Failure("R000002", "The OriginatorConversationID is invalid.")
            return {**result, "ResultCode": int(failure.code) if failure.code.isdigit() else failure.code,
                    "ResultDesc": failure.message}
        status = {"pending": "Pending", "succeeded": "Completed", "failed": "Failed"}[payment.state]
        return {**result, "ResultCode": 0, "ResultDesc": "The service request is processed successfully.",
                "ResultParameters": {"ResultParameter": [
                    {"Key": "ReceiptNo", "Value": payment.receipt or ""}, {"Key": "TransactionStatus", "Value": status},
                    {"Key": "Amount", "Value": payment.amount},
                    {"Key": "ReasonType", "Value": payment.failure.message if payment.failure else "Business Payment"},
                    {"Key": "DebitPartyName", "Value": f"{self.b2c_shortcode} - Nexgate"},
                    {"Key": "CreditPartyName", "Value": f"{payment.msisdn} - Sandbox Recipient"},
                ]}}

    # callbacks

    def new_receipt(self, payment: SandboxPayment) -> str:
        return "".join(random.choices(string.ascii_uppercase + string.digits, k=10))

    def callback(self, payment: SandboxPayment, *, failure: Failure | None) -> tuple[dict[str, str], bytes]:
        if payment.kind == "collection":
            return {}, orjson.dumps({"Body": {"stkCallback": self._stk_callback(payment, failure)}})
        return {}, orjson.dumps({"Result": self._b2c_result(payment, failure)})

    def _stk_callback(self, payment: SandboxPayment, failure: Failure | None) -> dict[str, Any]:
        callback: dict[str, Any] = {
            "MerchantRequestID": payment.extra["MerchantRequestID"], "CheckoutRequestID": payment.key,
            "ResultCode": int(failure.code) if failure else 0,
            "ResultDesc": failure.message if failure else "The service request is processed successfully.",
        }
        if not failure:
            settled = (payment.settled_at or payment.created_at).astimezone(NAIROBI)
            callback["CallbackMetadata"] = {"Item": [
                {"Name": "Amount", "Value": payment.amount}, {"Name": "MpesaReceiptNumber", "Value": payment.receipt},
                {"Name": "Balance"}, {"Name": "TransactionDate", "Value": int(settled.strftime("%Y%m%d%H%M%S"))},
                {"Name": "PhoneNumber", "Value": int(payment.msisdn)},
            ]}
        return callback

    def _b2c_result(self, payment: SandboxPayment, failure: Failure | None) -> dict[str, Any]:
        result: dict[str, Any] = {
            "ResultType": 0, "ResultCode": int(failure.code) if failure else 0,
            "ResultDesc": failure.message if failure else "The service request is processed successfully.",
            "OriginatorConversationID": payment.reference, "ConversationID": payment.key,
            "TransactionID": payment.receipt or "".join(random.choices(string.ascii_uppercase + string.digits, k=10)),
            "ReferenceData": {"ReferenceItem": {"Key": "QueueTimeoutURL", "Value": payment.callback_url}},
        }
        if not failure:
            settled = (payment.settled_at or payment.created_at).astimezone(NAIROBI)
            result["ResultParameters"] = {"ResultParameter": [
                {"Key": "TransactionAmount", "Value": payment.amount},
                {"Key": "TransactionReceipt", "Value": payment.receipt},
                {"Key": "ReceiverPartyPublicName", "Value": f"{payment.msisdn} - Sandbox Recipient"},
                {"Key": "TransactionCompletedDateTime", "Value": settled.strftime("%d.%m.%Y %H:%M:%S")},
                {"Key": "B2CUtilityAccountAvailableFunds", "Value": 10116.00},
                {"Key": "B2CWorkingAccountAvailableFunds", "Value": 900000.00},
                {"Key": "B2CRecipientIsRegisteredCustomer", "Value": "Y"},
                {"Key": "B2CChargesPaidAccountAvailableFunds", "Value": -4510.00},
            ]}
        return result


def _kenyan(number: Any) -> bool:
    digits = str(number)
    return isinstance(number, int) and len(digits) == 12 and digits.startswith("254")


def _error(code: str, message: str, status: int) -> web.Response:
    return json_body({"requestId": uuid.uuid4().hex[:20], "errorCode": code, "errorMessage": message}, status)


if __name__ == "__main__":
    import sys

    asyncio.run(run_alone(DarajaSandbox(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8031), "Daraja sandbox"))
