"""Email verification and password reset."""
from __future__ import annotations

import marshmallow as ma
from aiohttp import web

from ...domain.auth import recovery, verification
from ...domain.auth.accounts import account_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response, parse_json, parse_query
from .schemas import AccountSchema, TokenSchema

routes = Routes("auth")


class ForgotPasswordSchema(ma.Schema):
    login = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=254),
        metadata={"description": "Email, phone number or username"},
    )


class ResetPasswordSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4096))
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=128), load_only=True)


class AcceptedSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "accepted"})


@routes.post(
    "/api/auth/forgot-password", summary="Email a password-reset link", body=ForgotPasswordSchema,
    response=AcceptedSchema, status=202, auth=False, rate_limit="auth.forgot_password",
)
async def forgot_password(request: web.Request) -> web.Response:
    """Answers the same whether or not an account matches, so it cannot reveal who has one.
    The link opens NEXGATE_WEB_URL/reset-password?token=... and lives 30 minutes."""
    body = await parse_json(request, ForgotPasswordSchema)
    await recovery.forgot_password(request.app[PLATFORM], body["login"])
    return json_response(AcceptedSchema, {"status": "accepted"}, status=202)


@routes.post(
    "/api/auth/reset-password", summary="Set a new password with a reset link's token", body=ResetPasswordSchema,
    status=204, auth=False, rate_limit="auth.reset_password",
)
async def reset_password(request: web.Request) -> web.Response:
    """Signs the account out of every device. A token works once, and not after the password changed."""
    body = await parse_json(request, ResetPasswordSchema)
    await recovery.reset_password(request.app[PLATFORM], body["token"], body["password"])
    return web.Response(status=204)


@routes.get(
    "/api/auth/verify-email", summary="Verify an email address (the emailed link)", query=TokenSchema,
    response=AccountSchema, auth=False, rate_limit="auth.verify_email",
)
async def verify_email_link(request: web.Request) -> web.Response:
    query = parse_query(request, TokenSchema)
    return json_response(AccountSchema, account_view(await verification.verify_email(request.app[PLATFORM], query["token"])))


@routes.post(
    "/api/auth/verify-email", summary="Verify an email address with the link's token", body=TokenSchema,
    response=AccountSchema, auth=False, rate_limit="auth.verify_email",
)
async def verify_email(request: web.Request) -> web.Response:
    body = await parse_json(request, TokenSchema)
    return json_response(AccountSchema, account_view(await verification.verify_email(request.app[PLATFORM], body["token"])))


@routes.post(
    "/api/auth/verify-email/resend", summary="Send a new email verification link", response=AcceptedSchema,
    status=202, errors=(409,), rate_limit="auth.verify_email_resend",
)
async def resend_email_link(request: web.Request) -> web.Response:
    await verification.resend_email_link(request.app[PLATFORM], caller(request))
    return json_response(AcceptedSchema, {"status": "accepted"}, status=202)
