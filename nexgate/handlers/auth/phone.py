"""Phone verification: a 6-digit code by SMS."""
from __future__ import annotations

import marshmallow as ma
from aiohttp import web

from ...domain.auth import verification
from ...domain.auth.accounts import account_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .recovery import AcceptedSchema
from .schemas import AccountSchema

routes = Routes("auth")


class PhoneCodeSchema(ma.Schema):
    code = ma.fields.String(
        required=True, validate=ma.validate.Length(min=6, max=16),
        metadata={"description": "The 6 digits texted to the phone (spaces and dashes are ignored)", "example": "204816"},
    )


@routes.post(
    "/api/auth/verify-phone/send", summary="Text a new phone verification code", response=AcceptedSchema,
    status=202, errors=(409, 422), rate_limit="auth.verify_phone_send",
)
async def send_phone_code(request: web.Request) -> web.Response:
    """Registration with a phone already texts a code; this sends a new one, which replaces it.
    A code lives 10 minutes. One number gets at most 5 codes an hour (429 `too_many_codes`);
    409 `already_verified` once verified, 422 `no_phone` without a phone number."""
    await verification.resend_phone_code(request.app[PLATFORM], caller(request))
    return json_response(AcceptedSchema, {"status": "accepted"}, status=202)


@routes.post(
    "/api/auth/verify-phone", summary="Verify the phone number with the texted code", body=PhoneCodeSchema,
    response=AccountSchema, errors=(409,), rate_limit="auth.verify_phone",
)
async def verify_phone(request: web.Request, *, body: dict) -> web.Response:
    """A code works once. Refusals (422): `code_invalid` (wrong; `details.attempts_left`),
    `code_attempts_exceeded` (tried 5 times: even the right code no longer works) and
    `code_expired` (expired, used or replaced by a newer one); ask for a new code after the last two."""
    account = await verification.verify_phone(request.app[PLATFORM], caller(request), body["code"])
    return json_response(AccountSchema, account_view(account))
