"""Instagram Login: the consent dialog (www.instagram.com) and code exchange (api.instagram.com)."""

import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from emulator.creators import Creator, followers, get_creator
from emulator.instagram.context import InstagramContext
from emulator.instagram.data import SCOPE_LABELS, SCOPES, account_type, app_scoped_id
from emulator.instagram.errors import OAuthEndpointError
from emulator.instagram.tokens import IgToken, mint_token
from emulator.meta import CODE_TTL_S, consent_code, parse_code
from emulator.oauth import (
    AuthorizeRequest,
    consent_page,
    decide,
    error_page,
    is_web_uri,
    read_form,
)

_SCOPE_SPLIT = re.compile(r"[,\s]+")


class AuthorizeError(Exception):
    """The dialog refuses the request before asking the user anything."""


def _validate(ctx: InstagramContext, params: dict[str, str]) -> AuthorizeRequest:
    settings = ctx.core.settings
    client_id = params.get("client_id", "")
    if client_id != settings.instagram_client_id:
        raise AuthorizeError("Invalid platform app")
    redirect_uri = params.get("redirect_uri", "")
    if not is_web_uri(redirect_uri):
        raise AuthorizeError("Invalid redirect_uri: an absolute http(s) redirect_uri is required")
    if params.get("response_type") != "code":
        raise AuthorizeError("Invalid response_type: only response_type=code is supported")
    scopes = tuple(s for s in _SCOPE_SPLIT.split(params.get("scope", "")) if s)
    if not scopes:
        raise AuthorizeError("Invalid scope: at least instagram_business_basic is required")
    bad = [s for s in scopes if s not in SCOPES]
    if bad:
        raise AuthorizeError(f"Invalid scope field(s): {', '.join(bad)}")
    return AuthorizeRequest(client_id, redirect_uri, scopes, params.get("state"))


def _error_page(request: Request, message: str) -> Response:
    """Readable in a browser (HTML) and to an HTTP client (Instagram's OAuth JSON shape)."""
    if "text/html" in request.headers.get("accept", ""):
        return error_page("instagram_error.html", message=message)
    return OAuthEndpointError(message).response()


def build_oauth_router(ctx: InstagramContext) -> APIRouter:
    """Routes of the dialog and the code exchange, bound to one emulator instance."""
    router = APIRouter()
    core = ctx.core

    @router.get("/www.instagram.com/oauth/authorize", response_model=None)
    async def authorize_page(request: Request) -> Response:
        """The consent dialog: the app, its scopes, the demo accounts, Approve / Deny."""
        try:
            auth = _validate(ctx, dict(request.query_params))
        except AuthorizeError as exc:
            return _error_page(request, str(exc))
        today = core.today()

        def account(c: Creator) -> dict[str, object]:
            return {"account_type": account_type(c), "followers": followers(c, today)}

        return consent_page(
            request,
            "instagram_authorize.html",
            client_id=auth.client_id,
            scopes=[(s, SCOPE_LABELS[s]) for s in auth.scopes],
            hidden=auth.form_fields(),
            account=account,
        )

    @router.post("/www.instagram.com/oauth/authorize", response_model=None)
    async def authorize_submit(request: Request) -> Response:
        """The user's decision: redirect back with a code (``#_`` appended) or an error."""
        form = await read_form(request)
        try:
            auth = _validate(ctx, form)
        except AuthorizeError as exc:
            return _error_page(request, str(exc))

        def approve(account: str) -> Response:
            code = consent_code(core, auth, account)
            return auth.redirect([("code", code)], fragment="_")

        denied = [
            ("error", "access_denied"),
            ("error_reason", "user_denied"),
            ("error_description", "The user denied your request."),
        ]
        return decide(
            form,
            deny=lambda: auth.redirect(denied, fragment=""),
            approve=approve,
            refuse=lambda message: _error_page(request, message),
        )

    @router.post("/api.instagram.com/oauth/access_token", response_model=None)
    async def exchange_code(request: Request) -> Response:
        """Authorization code → short-lived token, in Instagram's (configurable) answer shape."""
        form = await read_form(request)
        try:
            body = _exchange(ctx, form)
        except OAuthEndpointError as exc:
            return exc.response()
        return JSONResponse(body)

    return router


def _exchange(ctx: InstagramContext, form: dict[str, str]) -> dict[str, object]:
    settings = ctx.core.settings
    if form.get("client_id") != settings.instagram_client_id:
        raise OAuthEndpointError("Invalid platform app")
    if form.get("client_secret") != settings.instagram_client_secret:
        raise OAuthEndpointError("Error validating client secret.")
    if form.get("grant_type") != "authorization_code":
        raise OAuthEndpointError("Unsupported grant_type: expected authorization_code")
    raw_code = form.get("code", "").removesuffix("#_")
    code = parse_code(ctx.core.signer, raw_code)
    now = ctx.core.now()
    expires_at = (code.issued_at + CODE_TTL_S) if code else 0.0
    if code is None or code.client_id != settings.instagram_client_id or now > expires_at:
        raise OAuthEndpointError("Invalid authorization code")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthEndpointError(
            "Error validating verification code. Please make sure your redirect_uri is identical "
            "to the one you used in the OAuth dialog request"
        )
    creator = get_creator(code.account)
    if creator is None or not ctx.use_code(code.nonce, expires_at):
        raise OAuthEndpointError("Invalid authorization code")
    token = mint_token(
        ctx.core.signer,
        IgToken(
            account=code.account,
            kind="short",
            issued_at=now,
            expires_at=now + settings.instagram_short_token_ttl_s,
            client_id=code.client_id,
            scopes=code.scopes,
        ),
    )
    permissions: str | list[str] = list(code.scopes)
    if not settings.instagram_permissions_as_list:
        permissions = ",".join(code.scopes)
    answer: dict[str, object] = {
        "access_token": token,
        "user_id": app_scoped_id(creator),
        "permissions": permissions,
    }
    if settings.instagram_token_response_wrapped:
        return {"data": [answer]}
    return answer
