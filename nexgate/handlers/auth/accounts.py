"""Registration, login, token refresh and logout."""
from __future__ import annotations

import marshmallow as ma
from aiohttp import web

from ...domain.auth import accounts, mfa, sessions
from ...errors import Invalid
from ...keys import PLATFORM
from ...validation import Name
from ... import responses
from ..routing import Routes, caller, client_ip
from .grants import clear_cookies, device_info, grant_response, refresh_token_from_cookie
from .mfa import LoginResponseSchema, challenge_response
from .schemas import GrantRequestSchema, TokenResponseSchema

routes = Routes("auth")


class RegisterSchema(GrantRequestSchema):
    username = ma.fields.String(required=True, metadata={"description": "3-30 of a-z, A-Z, 0-9, _", "example": "amina_j"})
    display_name = Name(required=True, validate=ma.validate.Length(min=1, max=60))
    password = ma.fields.String(required=True, validate=ma.validate.Length(max=128), load_only=True)
    email = ma.fields.String(load_default=None, allow_none=True, metadata={"example": "amina@example.co.tz"})
    phone = ma.fields.String(
        load_default=None, allow_none=True,
        metadata={"description": "E.164, or national for NEXGATE_PHONE_REGION", "example": "+255712345678"},
    )


class LoginSchema(GrantRequestSchema):
    login = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=254),
        metadata={"description": "Email, phone number or username"},
    )
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128), load_only=True)


class RefreshSchema(ma.Schema):
    refresh_token = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=512),
        metadata={"description": "Omit to use the nexgate_refresh cookie (with X-CSRF-Token)"},
    )


class RevokedSchema(ma.Schema):
    revoked_sessions = ma.fields.Integer(required=True)


@routes.post(
    "/api/auth/register", summary="Create an account and log in", body=RegisterSchema,
    response=TokenResponseSchema, status=201, errors=(409,), auth=False, rate_limit="auth.register",
)
async def register(request: web.Request, *, body: dict) -> web.Response:
    """Needs an email address, a phone number or both. Sends a verification link to the email
    and a 6-digit code to the phone."""
    grant = await accounts.register(
        request.app[PLATFORM], username=body["username"], display_name=body["display_name"],
        password=body["password"], email=body["email"], phone=body["phone"],
        device=device_info(request, body["device"]),
    )
    return grant_response(request, grant, cookie=body["refresh_token_cookie"], status=201)


@routes.post(
    "/api/auth/login", summary="Log in with email, phone or username and password", body=LoginSchema,
    response=LoginResponseSchema, errors=(401, 403), auth=False, rate_limit="auth.login",
)
async def login(request: web.Request, *, body: dict) -> web.Response:
    """Wrong credentials answer 401 `invalid_credentials`; repeated failures lock the account
    and the IP out for a growing time (429 `login_locked` with Retry-After). With two-step login
    on, a right password answers 200 `{"mfa_required": true, "challenge", "expires_in", "methods"}`
    instead of tokens; POST /api/auth/mfa/verify with a code completes the login."""
    result = await accounts.login(
        request.app[PLATFORM], login=body["login"], password=body["password"],
        device=device_info(request, body["device"]), refresh_token_cookie=body["refresh_token_cookie"],
    )
    if isinstance(result, mfa.MfaChallenge):
        return challenge_response(result)
    return grant_response(request, result, cookie=body["refresh_token_cookie"])


@routes.post(
    "/api/auth/refresh-token", summary="Trade a refresh token for a new access and refresh token",
    body=RefreshSchema, body_optional=True, response=TokenResponseSchema, errors=(401, 403), auth=False,
    rate_limit="auth.refresh",
)
async def refresh_token(request: web.Request, *, body: dict) -> web.Response:
    """Each refresh token works once. Presenting one that was already used revokes the whole
    session (401 `refresh_token_reused`): both the old and the new token stop working."""
    from_cookie = body["refresh_token"] is None
    token = body["refresh_token"] or refresh_token_from_cookie(request)
    if not token:
        raise Invalid.fields("body", {"refresh_token": "Missing data for required field."},
                             message="Send refresh_token, or the nexgate_refresh cookie")
    grant = await sessions.refresh(request.app[PLATFORM], token, client_ip(request))
    return grant_response(request, grant, cookie=from_cookie)


@routes.post("/api/auth/logout", summary="Log out this device's session", status=204)
async def logout(request: web.Request) -> web.Response:
    await sessions.logout(request.app[PLATFORM], caller(request))
    response = web.Response(status=204)
    clear_cookies(response)
    return response


@routes.post("/api/auth/logout-all", summary="Log out every session of the caller", response=RevokedSchema)
async def logout_all(request: web.Request) -> web.Response:
    revoked = await sessions.logout_everywhere(request.app[PLATFORM], caller(request))
    response = responses.json({"revoked_sessions": revoked})
    clear_cookies(response)
    return response
