"""X OAuth 2.0 with PKCE: consent page (x.com, twitter.com), token and revoke endpoints.

The emulator's demo app is a confidential client, so the token and revoke endpoints require HTTP
Basic authentication with its client id and secret, as X does for confidential clients.
"""

import base64
import binascii
import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from emulator import oauth
from emulator.creators import Creator, followers, get_creator
from emulator.oauth import (
    AuthorizeRequest,
    consent_page,
    error_page,
    is_web_uri,
    pkce_matches,
    read_form,
)
from emulator.tokens import hit_by_fault
from emulator.x.context import PLATFORM, XContext
from emulator.x.data import OFFLINE_SCOPE, SCOPES, is_protected
from emulator.x.errors import (
    OAuthError,
    invalid_code,
    invalid_token,
    unauthorized_client,
)
from emulator.x.tokens import (
    CODE_TTL_S,
    XAccessToken,
    XCode,
    XRefreshToken,
    mint_access_token,
    mint_code,
    mint_refresh_token,
    new_grant,
    parse_access_token,
    parse_code,
    parse_refresh_token,
)

AUTHORIZE_PATHS = ("/x.com/i/oauth2/authorize", "/twitter.com/i/oauth2/authorize")
API_HOSTS = ("api.x.com", "api.twitter.com")


class AuthorizeError(Exception):
    """The page refuses the request before asking the user anything."""


def _validate(ctx: XContext, params: dict[str, str]) -> AuthorizeRequest:
    if params.get("client_id") != ctx.core.settings.x_client_id:
        raise AuthorizeError("Invalid client_id: this app is unknown")
    redirect_uri = params.get("redirect_uri", "")
    if not is_web_uri(redirect_uri):
        raise AuthorizeError("Invalid redirect_uri: an absolute http(s) URL is required")
    if params.get("response_type") != "code":
        raise AuthorizeError("Invalid response_type: only response_type=code is supported")
    scopes = tuple(s for s in params.get("scope", "").split() if s)
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise AuthorizeError(f"Invalid scope: {' '.join(unknown) or '(none given)'}")
    state = params.get("state", "")
    if not state:
        raise AuthorizeError("Missing state: X requires a state parameter")
    challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "plain")
    if not challenge:
        raise AuthorizeError("Missing code_challenge: X requires PKCE")
    if method not in ("S256", "plain"):
        raise AuthorizeError("Invalid code_challenge_method: use S256 or plain")
    return AuthorizeRequest(params["client_id"], redirect_uri, scopes, state, challenge, method)


def _error_page(message: str) -> Response:
    return error_page("x_error.html", message=message)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def _authenticate_client(ctx: XContext, request: Request, form: dict[str, str]) -> str:
    """The confidential demo client must send Basic auth; a body client_id must agree."""
    settings = ctx.core.settings
    credentials = _basic_credentials(request)
    if credentials is None:
        raise unauthorized_client()
    client_id, secret = credentials
    if client_id != settings.x_client_id or not hmac.compare_digest(
        secret, settings.x_client_secret
    ):
        raise unauthorized_client()
    if form.get("client_id", client_id) != client_id:
        raise OAuthError("invalid_request", "Value passed for the client_id was invalid.")
    return client_id


def build_oauth_router(ctx: XContext) -> APIRouter:
    """Consent page on both web hosts; token and revoke on both API hosts."""
    router = APIRouter()
    core = ctx.core

    async def authorize_page(request: Request) -> Response:
        """The consent page: the app, its scopes, the demo accounts, Authorize / Cancel."""
        try:
            auth = _validate(ctx, dict(request.query_params))
        except AuthorizeError as exc:
            return _error_page(str(exc))
        today = core.today()

        def account(c: Creator) -> dict[str, object]:
            return {"protected": is_protected(c), "followers": followers(c, today)}

        return consent_page(
            request,
            "x_authorize.html",
            client_id=auth.client_id,
            scopes=[(s, SCOPES[s]) for s in auth.scopes],
            hidden=auth.form_fields(scope_separator=" ", response_type_first=True),
            account=account,
        )

    async def authorize_submit(request: Request) -> Response:
        """The user's decision: back to the app with a code, or ``error=access_denied``."""
        form = await read_form(request)
        try:
            auth = _validate(ctx, form)
        except AuthorizeError as exc:
            return _error_page(str(exc))

        def approve(account: str) -> Response:
            code = XCode(
                account=account,
                client_id=auth.client_id,
                redirect_uri=auth.redirect_uri,
                scopes=auth.scopes,
                challenge=auth.challenge or "",
                challenge_method=auth.challenge_method or "plain",
                issued_at=core.now(),
                nonce=secrets.token_hex(8),
            )
            return auth.redirect([("code", mint_code(core.signer, code))], state_first=True)

        return oauth.decide(
            form,
            deny=lambda: auth.redirect([("error", "access_denied")]),
            approve=approve,
            refuse=_error_page,
        )

    async def token(request: Request) -> Response:
        """``authorization_code`` and ``refresh_token`` grants."""
        form = await read_form(request)
        try:
            client_id = _authenticate_client(ctx, request, form)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                return JSONResponse(_exchange(ctx, client_id, form))
            if grant_type == "refresh_token":
                return JSONResponse(_refresh(ctx, client_id, form))
            raise OAuthError("unsupported_grant_type", "Value passed for grant_type was invalid.")
        except OAuthError as exc:
            return exc.response()

    async def revoke(request: Request) -> Response:
        """Revoking either token of a grant ends the whole grant; unknown tokens are ignored."""
        form = await read_form(request)
        try:
            _authenticate_client(ctx, request, form)
        except OAuthError as exc:
            return exc.response()
        raw = form.get("token", "")
        if not raw:
            return OAuthError("invalid_request", "Missing required parameter [token].").response()
        parsed = parse_access_token(core.signer, raw) or parse_refresh_token(core.signer, raw)
        if parsed is not None:
            ctx.kill_grant(parsed.grant)
        return JSONResponse({"revoked": True})

    for path in AUTHORIZE_PATHS:
        router.add_api_route(path, authorize_page, methods=["GET"], response_model=None)
        router.add_api_route(path, authorize_submit, methods=["POST"], response_model=None)
    for host in API_HOSTS:
        router.add_api_route(
            f"/{host}/2/oauth2/token", token, methods=["POST"], response_model=None
        )
        router.add_api_route(
            f"/{host}/2/oauth2/revoke", revoke, methods=["POST"], response_model=None
        )
    return router


def _exchange(ctx: XContext, client_id: str, form: dict[str, str]) -> dict[str, object]:
    core = ctx.core
    code = parse_code(core.signer, form.get("code", ""))
    now = core.now()
    expires_at = code.issued_at + CODE_TTL_S if code else 0.0
    if code is None or code.client_id != client_id or now > expires_at:
        raise invalid_code()
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_request", "Value passed for the redirect uri was invalid.")
    if not pkce_matches(form.get("code_verifier", ""), code.challenge, code.challenge_method):
        raise OAuthError("invalid_request", "Value passed for the code verifier was invalid.")
    if get_creator(code.account) is None or not ctx.use_code(code.nonce, expires_at):
        raise invalid_code()
    return _token_answer(ctx, code.account, new_grant(), 0, client_id, code.scopes)


def _refresh(ctx: XContext, client_id: str, form: dict[str, str]) -> dict[str, object]:
    """A new access token and a new refresh token; the one presented is used up."""
    core = ctx.core
    old = parse_refresh_token(core.signer, form.get("refresh_token", ""))
    if old is None or old.client_id != client_id:
        raise invalid_token()
    if hit_by_fault(core, PLATFORM, old.account, old.issued_at, "revoke"):
        raise invalid_token()
    if not ctx.use_refresh(old.nonce, old.grant):
        raise invalid_token()
    return _token_answer(ctx, old.account, old.grant, old.generation + 1, client_id, old.scopes)


def _token_answer(
    ctx: XContext,
    account: str,
    grant: str,
    generation: int,
    client_id: str,
    scopes: tuple[str, ...],
) -> dict[str, object]:
    core = ctx.core
    now = core.now()
    ttl = core.settings.x_access_token_ttl_s
    access = XAccessToken(account, grant, client_id, scopes, now, now + ttl)
    answer: dict[str, object] = {
        "token_type": "bearer",
        "expires_in": ttl,
        "access_token": mint_access_token(core.signer, access),
        "scope": " ".join(scopes),
    }
    if OFFLINE_SCOPE in scopes:
        refresh = XRefreshToken(
            account, grant, generation, client_id, scopes, now, secrets.token_hex(8)
        )
        answer["refresh_token"] = mint_refresh_token(core.signer, refresh)
    return answer
