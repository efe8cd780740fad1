"""Two-step login: enrolling an authenticator app, recovery codes, and the login's second step."""
from __future__ import annotations

import dataclasses

import marshmallow as ma
from aiohttp import web

from ...domain.auth import mfa
from ...keys import PLATFORM
from ..routing import Routes, caller, client_ip, json_response
from .grants import grant_response
from .schemas import AccountSchema, TokenResponseSchema

routes = Routes("auth")

_CODE = {"description": "6 digits from the authenticator app, or a recovery code", "example": "492039"}


class CodeSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=6, max=64), metadata=_CODE)


class TotpCodeSchema(ma.Schema):
    code = ma.fields.String(
        required=True, validate=ma.validate.Length(min=6, max=64),
        metadata={"description": "6 digits from the authenticator app", "example": "492039"},
    )


class DisableSchema(CodeSchema):
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128), load_only=True)


class VerifySchema(CodeSchema):
    challenge = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=128),
        metadata={"description": "The challenge the login answered with"},
    )


class MfaStatusSchema(ma.Schema):
    totp_enabled = ma.fields.Boolean(required=True)
    enabled_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    recovery_codes_left = ma.fields.Integer(required=True)


class EnrollmentSchema(ma.Schema):
    secret = ma.fields.String(required=True, metadata={"description": "Base32, for typing into the app by hand"})
    provisioning_uri = ma.fields.String(
        required=True, metadata={"example": "otpauth://totp/Nexgate:amina_j?secret=...&issuer=Nexgate"},
    )
    qr_code = ma.fields.String(
        required=True, metadata={"description": "The provisioning URI as a PNG QR code: data:image/png;base64,..."},
    )


class RecoveryCodesSchema(ma.Schema):
    recovery_codes = ma.fields.List(
        ma.fields.String(metadata={"example": "k3v7-q2xa-m4pd-7tzr"}), required=True,
        metadata={"description": "Each works once, in place of an app code. Shown only now: ask the user to keep them"},
    )


class LoginResponseSchema(ma.Schema):
    """The login's answer in either of its shapes. (A oneOf would be exact, but apispec resolves a
    route's oneOf in place, and the next app built in the same process would lose its schemas.)"""

    class Meta:
        description = (
            "One of two shapes. Without two-step login: the tokens, as TokenResponse (user, access_token, "
            "refresh_token, token_type, expires_in). With two-step login on: no tokens, but mfa_required true, "
            "a challenge, its expires_in and the methods that can complete it at POST /api/auth/mfa/verify."
        )

    user = ma.fields.Nested(AccountSchema, metadata={"description": "Tokens shape only"})
    access_token = ma.fields.String(metadata={"description": "Tokens shape only: JWT (EdDSA), for Authorization: Bearer"})
    refresh_token = ma.fields.String(
        allow_none=True,
        metadata={"description": "Tokens shape only: opaque, single use; null when set as the nexgate_refresh cookie"},
    )
    token_type = ma.fields.String(metadata={"description": "Tokens shape only", "example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds the access token, or the challenge, lives"})
    mfa_required = ma.fields.Boolean(metadata={"description": "Challenge shape only: always true"})
    challenge = ma.fields.String(metadata={"description": "Challenge shape only: opaque, for /api/auth/mfa/verify"})
    methods = ma.fields.List(
        ma.fields.String(), metadata={"description": "Challenge shape only", "example": list(mfa.METHODS)},
    )


def challenge_response(challenge: mfa.MfaChallenge) -> web.Response:
    return json_response(LoginResponseSchema, {"mfa_required": True, **dataclasses.asdict(challenge)})


@routes.get("/api/auth/mfa", summary="Whether two-step login is on, and how many recovery codes are left",
            response=MfaStatusSchema)
async def mfa_status(request: web.Request) -> web.Response:
    status = await mfa.status(request.app[PLATFORM], caller(request))
    return json_response(MfaStatusSchema, status)


@routes.post(
    "/api/auth/mfa/totp/enroll", summary="Start adding an authenticator app", response=EnrollmentSchema,
    errors=(409,), rate_limit="auth.mfa_enroll",
)
async def enroll(request: web.Request) -> web.Response:
    """Nothing changes for login until the app's first code is confirmed. Enrolling again before
    that replaces the secret; once two-step login is on, this answers 409 `mfa_already_enabled`."""
    enrollment = await mfa.enroll(request.app[PLATFORM], caller(request))
    return json_response(EnrollmentSchema, enrollment)


@routes.post(
    "/api/auth/mfa/totp/confirm", summary="Turn on two-step login with the app's first code", body=TotpCodeSchema,
    response=RecoveryCodesSchema, errors=(403, 409), rate_limit="auth.mfa_confirm",
)
async def confirm(request: web.Request, *, body: dict) -> web.Response:
    """A wrong code answers 403 `invalid_mfa_code` and changes nothing. From now on a login
    with the right password answers with a challenge instead of tokens."""
    codes = await mfa.confirm(request.app[PLATFORM], caller(request), body["code"])
    return json_response(RecoveryCodesSchema, {"recovery_codes": codes})


@routes.post(
    "/api/auth/mfa/totp/disable", summary="Turn off two-step login", body=DisableSchema, status=204,
    errors=(403, 409), rate_limit="auth.mfa_disable",
)
async def disable(request: web.Request, *, body: dict) -> web.Response:
    """Needs the password (403 `invalid_password`) and an app or recovery code (403 `invalid_mfa_code`,
    `mfa_code_used`); both count toward the login lockout (429 `login_locked`). Deletes the recovery codes."""
    await mfa.disable(
        request.app[PLATFORM], caller(request), password=body["password"], code=body["code"], ip=client_ip(request)
    )
    return web.Response(status=204)


@routes.post(
    "/api/auth/mfa/recovery-codes", summary="Replace the recovery codes", body=CodeSchema,
    response=RecoveryCodesSchema, errors=(403, 409), rate_limit="auth.mfa_recovery_codes",
)
async def regenerate_recovery_codes(request: web.Request, *, body: dict) -> web.Response:
    """Needs an app code or a recovery code; the previous recovery codes stop working."""
    codes = await mfa.regenerate_recovery_codes(
        request.app[PLATFORM], caller(request), code=body["code"], ip=client_ip(request)
    )
    return json_response(RecoveryCodesSchema, {"recovery_codes": codes})


@routes.post(
    "/api/auth/mfa/verify", summary="Finish a login with an app code or a recovery code", body=VerifySchema,
    response=TokenResponseSchema, errors=(401, 403), auth=False, rate_limit="auth.mfa_verify",
)
async def verify(request: web.Request, *, body: dict) -> web.Response:
    """Answers like a login without two-step login: tokens, and the refresh cookie if the login asked
    for it. An app code works once (401 `mfa_code_used` for a repeat), as does each recovery code.
    A wrong code answers 401 `invalid_mfa_code` with `attempts_left`; after 5 the challenge ends, and
    an expired or unknown one answers 401 `mfa_challenge_invalid`: log in again. Wrong codes count
    toward the login lockout (429 `login_locked`)."""
    login = await mfa.complete_login(request.app[PLATFORM], body["challenge"], body["code"], client_ip(request))
    return grant_response(request, login.grant, cookie=login.refresh_token_cookie)
