"""Sign-in with Google, Apple and Facebook."""
from __future__ import annotations

import marshmallow as ma
from aiohttp import web

from ...domain.auth import mfa, oauth
from ...errors import Invalid
from ...keys import PLATFORM
from ...validation import Name
from ..routing import Routes
from .grants import device_info, grant_response
from .mfa import LoginResponseSchema, challenge_response
from .schemas import GrantRequestSchema

routes = Routes("auth")
_TOKEN_FIELD = {"google": "id_token", "apple": "id_token", "facebook": "access_token"}


class OAuthSignInSchema(GrantRequestSchema):
    id_token = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=1, max=16_384),
        metadata={"description": "Google and Apple: the ID token (JWT) the provider's SDK returned"},
    )
    access_token = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=1, max=4096),
        metadata={"description": "Facebook: the user access token Facebook Login returned"},
    )
    nonce = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=1, max=512),
        metadata={"description": "The nonce the app gave the provider (or whose SHA-256 it gave); required when "
                                 "the ID token carries one"},
    )
    display_name = Name(
        load_default=None, validate=ma.validate.Length(min=1, max=60),
        metadata={"description": "For a new account, if the token has no name (Apple sends the name to the app "
                                 "only on the first sign-in, outside the token)"},
    )


@routes.post(
    "/api/auth/oauth/{provider}", summary="Sign in or sign up with Google, Apple or Facebook", body=OAuthSignInSchema,
    response=LoginResponseSchema, other_statuses=(201,), errors=(401, 403, 404, 409, 503), auth=False,
    rate_limit="auth.oauth",
)
async def oauth_sign_in(request: web.Request, *, body: dict) -> web.Response:
    """`provider` is `google`, `apple` (send `id_token`) or `facebook` (send `access_token`).
    Answers 201 when it created an account, 200 when it logged into an existing one; 404
    `oauth_provider_disabled` for a provider this server has no client id for.

    An identity already linked opens its account. Otherwise, an email address that both the
    provider and an existing account verified links the identity to that account; an address
    an account holds without both sides having verified it is refused with 409
    `account_exists` (log in with the password instead). Otherwise a new account without a
    password is created. A token the provider does not vouch for (signature, audience, expiry,
    nonce) answers 401 `oauth_token_invalid` with the `reason` in the details. An existing
    account with two-step login on answers with an MFA challenge, as `POST /api/auth/login` does."""
    platform = request.app[PLATFORM]
    provider = request.match_info["provider"]
    oauth.check_enabled(platform, provider)
    field = _TOKEN_FIELD[provider]
    if not body[field]:
        raise Invalid.fields("body", {field: f"Missing data for required field (sign-in with {oauth.title(provider)})."})
    grant = await oauth.sign_in(
        platform, provider, token=body[field], nonce=body["nonce"], display_name=body["display_name"],
        device=device_info(request, body["device"]), refresh_token_cookie=body["refresh_token_cookie"],
    )
    if isinstance(grant, mfa.MfaChallenge):
        return challenge_response(grant)
    return grant_response(request, grant, cookie=body["refresh_token_cookie"], status=201 if grant.new_account else 200)
