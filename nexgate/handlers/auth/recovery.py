"""Email verification and password reset (by emailed link or texted code)."""
from __future__ import annotations

import marshmallow as ma
from aiohttp import web

from ...domain.auth import recovery, verification
from ...domain.auth.accounts import account_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import AccountSchema, TokenSchema

routes = Routes("auth")


class ForgotPasswordSchema(ma.Schema):
    login = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=254),
        metadata={"description": "Email, phone number or username"},
    )


class ResetPasswordSchema(ma.Schema):
    """Either ``token`` (from the emailed link) or ``login`` and ``code`` (texted), with the new password."""

    token = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=1, max=4096),
        metadata={"description": "The token of the emailed link"},
    )
    login = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=1, max=254),
        metadata={"description": "With code: the phone number (or username) the code was asked for",
                  "example": "+255712345678"},
    )
    code = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=6, max=16),
        metadata={"description": "With login: the 6 digits texted to the phone", "example": "204816"},
    )
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=128), load_only=True)

    @ma.validates_schema
    def _one_proof(self, data, **kwargs):
        if data.get("token") is not None:
            extra = [field for field in ("login", "code") if data.get(field) is not None]
            if extra:
                raise ma.ValidationError({field: ["Send token, or login and code, not both."] for field in extra})
            return
        missing = [field for field in ("login", "code") if data.get(field) is None]
        if len(missing) == 2:
            missing.append("token")
        if missing:
            raise ma.ValidationError({field: ["Send token, or login and code."] for field in missing})


class AcceptedSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "accepted"})


@routes.post(
    "/api/auth/forgot-password", summary="Send a password-reset link by email, or a code by SMS",
    body=ForgotPasswordSchema, response=AcceptedSchema, status=202, auth=False, rate_limit="auth.forgot_password",
)
async def forgot_password(request: web.Request, *, body: dict) -> web.Response:
    """Answers the same whether or not an account matches, so it cannot reveal who has one.
    An account with an email address gets a link, which opens NEXGATE_WEB_URL/reset-password?token=...
    and lives 30 minutes; one with only a phone number gets a 6-digit code by SMS, which lives
    10 minutes and allows 5 attempts."""
    await recovery.forgot_password(request.app[PLATFORM], body["login"])
    return json_response(AcceptedSchema, {"status": "accepted"}, status=202)


@routes.post(
    "/api/auth/reset-password", summary="Set a new password with a reset link's token or a texted code",
    body=ResetPasswordSchema, status=204, auth=False, rate_limit="auth.reset_password",
)
async def reset_password(request: web.Request, *, body: dict) -> web.Response:
    """Signs the account out of every device. A token or code works once, and not after the
    password changed. Any refusal of a code is 422 `code_invalid`, so it reveals nothing about the account."""
    if body["token"] is not None:
        await recovery.reset_password(request.app[PLATFORM], body["token"], body["password"])
    else:
        await recovery.reset_password_with_code(request.app[PLATFORM], body["login"], body["code"], body["password"])
    return web.Response(status=204)


@routes.get(
    "/api/auth/verify-email", summary="Verify an email address (the emailed link)", query=TokenSchema,
    response=AccountSchema, auth=False, rate_limit="auth.verify_email",
)
async def verify_email_link(request: web.Request, *, query: dict) -> web.Response:
    return json_response(AccountSchema, account_view(await verification.verify_email(request.app[PLATFORM], query["token"])))


@routes.post(
    "/api/auth/verify-email", summary="Verify an email address with the link's token", body=TokenSchema,
    response=AccountSchema, auth=False, rate_limit="auth.verify_email",
)
async def verify_email(request: web.Request, *, body: dict) -> web.Response:
    return json_response(AccountSchema, account_view(await verification.verify_email(request.app[PLATFORM], body["token"])))


@routes.post(
    "/api/auth/verify-email/resend", summary="Send a new email verification link", response=AcceptedSchema,
    status=202, errors=(409,), rate_limit="auth.verify_email_resend",
)
async def resend_email_link(request: web.Request) -> web.Response:
    await verification.resend_email_link(request.app[PLATFORM], caller(request))
    return json_response(AcceptedSchema, {"status": "accepted"}, status=202)
