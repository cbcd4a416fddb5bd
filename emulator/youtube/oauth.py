"""Google OAuth 2.0: the consent page (accounts.google.com), token and revoke endpoints.

Quirks kept from Google: a refresh token only with ``access_type=offline`` and only on the
first consent of an app/account pair unless ``prompt=consent``; refresh answers carry no new
refresh token (no rotation); revoking either token revokes the whole grant; PKCE ``S256`` or
``plain`` is verified when the authorization request carried a challenge.
"""

import base64
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from emulator import oauth
from emulator.creators import Creator, followers
from emulator.oauth import (
    AuthorizeRequest,
    consent_page,
    error_page,
    is_web_uri,
    pkce_matches,
    read_form,
)
from emulator.tokens import hit_by_fault, issued_before
from emulator.youtube.context import PLATFORM, YouTubeContext
from emulator.youtube.data import SCOPE_LABELS, has_channel
from emulator.youtube.errors import OAuthError
from emulator.youtube.tokens import (
    CODE_TTL_S,
    GoogleCode,
    GoogleToken,
    mint_code,
    mint_token,
    parse_code,
    parse_token,
)

AUTHORIZE_PATH = "/accounts.google.com/o/oauth2/v2/auth"
_FORWARDED = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "access_type",
    "prompt",
    "include_granted_scopes",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
)


class AuthorizeError(Exception):
    """Google shows an error page ("Error 400: invalid_request") instead of asking the user."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@dataclass(frozen=True)
class GoogleAuthorizeRequest(AuthorizeRequest):
    """A validated authorization request, Google's options and the original parameters."""

    offline: bool = False
    force_consent: bool = False
    hidden: dict[str, str] = field(default_factory=dict)


def _validate(ctx: YouTubeContext, params: dict[str, str]) -> GoogleAuthorizeRequest:
    settings = ctx.core.settings
    if params.get("client_id") != settings.youtube_client_id:
        raise AuthorizeError("invalid_client", "The OAuth client was not found.")
    redirect_uri = params.get("redirect_uri", "")
    if not is_web_uri(redirect_uri):
        raise AuthorizeError("redirect_uri_mismatch", "Invalid parameter value for redirect_uri")
    if params.get("response_type") != "code":
        raise AuthorizeError("unsupported_response_type", "Invalid response_type")
    scopes = tuple(dict.fromkeys(s for s in params.get("scope", "").split() if s))
    if not scopes:
        raise AuthorizeError("invalid_request", "Missing required parameter: scope")
    bad = [s for s in scopes if s not in SCOPE_LABELS]
    if bad:
        raise AuthorizeError(
            "invalid_scope", f"Some requested scopes were invalid. {{invalid=[{', '.join(bad)}]}}"
        )
    access_type = params.get("access_type", "online")
    if access_type not in ("online", "offline"):
        raise AuthorizeError("invalid_request", f"Invalid access_type: {access_type}")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or ("plain" if challenge else None)
    if method is not None and (challenge is None or method not in ("S256", "plain")):
        raise AuthorizeError("invalid_request", "Invalid code_challenge_method")
    hidden = {k: params[k] for k in _FORWARDED if k in params}
    return GoogleAuthorizeRequest(
        client_id=params["client_id"],
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=params.get("state"),
        offline=access_type == "offline",
        force_consent="consent" in params.get("prompt", "").split(),
        challenge=challenge,
        challenge_method=method,
        hidden=hidden,
    )


def _error_page(error: AuthorizeError) -> Response:
    return error_page("youtube_error.html", error=error.error, message=error.message)


def build_oauth_router(ctx: YouTubeContext) -> APIRouter:
    """Consent page, token and revoke routes bound to one emulator instance."""
    router = APIRouter()
    core = ctx.core

    @router.get(AUTHORIZE_PATH, response_model=None)
    async def authorize_page(request: Request) -> Response:
        """Choose an account, see the scopes, Allow or Cancel."""
        try:
            auth = _validate(ctx, dict(request.query_params))
        except AuthorizeError as exc:
            return _error_page(exc)
        today = core.today()

        def account(c: Creator) -> dict[str, object]:
            return {
                "email": f"{c.key.replace('_', '.')}@gmail.example",
                "channel": has_channel(c),
                "subscribers": followers(c, today),
            }

        return consent_page(
            request,
            "youtube_authorize.html",
            client_id=auth.client_id,
            scopes=[(s, SCOPE_LABELS[s]) for s in auth.scopes],
            hidden=auth.hidden,
            account=account,
        )

    @router.post(AUTHORIZE_PATH, response_model=None)
    async def authorize_submit(request: Request) -> Response:
        """The decision: back to the app with ``code`` and ``scope``, or ``error=access_denied``."""
        form = await read_form(request)
        try:
            auth = _validate(ctx, form)
        except AuthorizeError as exc:
            return _error_page(exc)

        def approve(account: str) -> Response:
            first = ctx.first_consent(account, auth.client_id)
            code = GoogleCode(
                account=account,
                client_id=auth.client_id,
                redirect_uri=auth.redirect_uri,
                scopes=auth.scopes,
                issued_at=core.now(),
                nonce=secrets.token_hex(8),
                offline=auth.offline,
                refresh=auth.offline and (first or auth.force_consent),
                challenge=auth.challenge,
                challenge_method=auth.challenge_method,
            )
            granted = [
                ("code", mint_code(core.signer, code)),
                ("scope", " ".join(auth.scopes)),
                ("authuser", "0"),
                ("prompt", "consent"),
            ]
            return auth.redirect(granted, state_first=True)

        choose = "Choose an account to continue"
        return oauth.decide(
            form,
            deny=lambda: auth.redirect([("error", "access_denied")]),
            approve=approve,
            refuse=lambda message: _error_page(AuthorizeError("invalid_request", message)),
            bad_decision=choose,
            unknown_account=choose,
        )

    @router.post("/oauth2.googleapis.com/token", response_model=None)
    async def token(request: Request) -> Response:
        """``authorization_code`` and ``refresh_token`` grants."""
        form = await read_form(request)
        try:
            _client_auth(ctx, form, request.headers.get("authorization"))
            grant = form.get("grant_type")
            if grant == "authorization_code":
                return JSONResponse(_exchange(ctx, form))
            if grant == "refresh_token":
                return JSONResponse(_refresh(ctx, form))
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant or ''}")
        except OAuthError as exc:
            return exc.response()

    @router.post("/oauth2.googleapis.com/revoke", response_model=None)
    async def revoke(request: Request) -> Response:
        """Revoke the grant behind an access or refresh token (``token`` in form or query)."""
        form = await read_form(request)
        raw = form.get("token") or request.query_params.get("token") or ""
        found = _live_token(ctx, raw)
        if found is None:
            return OAuthError("invalid_token", "Token expired or revoked").response()
        ctx.revoke_grant(found.account, found.client_id)
        return Response(status_code=200)

    return router


def _client_auth(ctx: YouTubeContext, form: dict[str, str], header: str | None) -> None:
    """Client credentials from the form or HTTP Basic, as Google accepts both."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client", "Unauthorized", 401) from exc
        user, _, password = decoded.partition(":")
        client_id, secret = unquote(user), unquote(password)
    settings = ctx.core.settings
    if client_id != settings.youtube_client_id:
        raise OAuthError("invalid_client", "The OAuth client was not found.", 401)
    if secret is None or not hmac.compare_digest(secret, settings.youtube_client_secret):
        raise OAuthError("invalid_client", "Unauthorized", 401)


def _verify_pkce(code: GoogleCode, verifier: str | None) -> None:
    if code.challenge is None:
        return
    if not verifier:
        raise OAuthError("invalid_request", "Missing code verifier.")
    if not pkce_matches(verifier, code.challenge, code.challenge_method):
        raise OAuthError("invalid_grant", "Invalid code verifier.")


def _access_answer(ctx: YouTubeContext, account: str, scopes: tuple[str, ...]) -> dict[str, object]:
    settings = ctx.core.settings
    now = ctx.core.now()
    ttl = settings.youtube_access_token_ttl_s
    access = GoogleToken("access", account, settings.youtube_client_id, scopes, now, now + ttl)
    return {
        "access_token": mint_token(ctx.core.signer, access),
        "expires_in": ttl,
        "scope": " ".join(scopes),
        "token_type": "Bearer",
    }


def _exchange(ctx: YouTubeContext, form: dict[str, str]) -> dict[str, object]:
    raw = form.get("code", "")
    code = parse_code(ctx.core.signer, unquote(raw))
    if code is None:
        raise OAuthError("invalid_grant", "Malformed auth code.")
    now = ctx.core.now()
    expires_at = code.issued_at + CODE_TTL_S
    if now > expires_at or code.client_id != ctx.core.settings.youtube_client_id:
        raise OAuthError("invalid_grant", "Bad Request")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("redirect_uri_mismatch", "Bad Request")
    _verify_pkce(code, form.get("code_verifier"))
    if not ctx.use_code(code.nonce, expires_at):
        raise OAuthError("invalid_grant", "Bad Request")
    answer = _access_answer(ctx, code.account, code.scopes)
    if code.refresh:
        refresh = GoogleToken("refresh", code.account, code.client_id, code.scopes, now)
        answer["refresh_token"] = mint_token(ctx.core.signer, refresh)
    return answer


def _refresh(ctx: YouTubeContext, form: dict[str, str]) -> dict[str, object]:
    token = parse_token(ctx.core.signer, form.get("refresh_token", ""), "refresh")
    if token is None:
        raise OAuthError("invalid_grant", "Bad Request")
    if token.client_id != ctx.core.settings.youtube_client_id:
        raise OAuthError("unauthorized_client", "Unauthorized")
    if _grant_dead(ctx, token):
        raise OAuthError("invalid_grant", "Token has been expired or revoked.")
    scopes = token.scopes
    if form.get("scope"):
        asked = tuple(form["scope"].split())
        if not set(asked) <= set(token.scopes):
            raise OAuthError("invalid_scope", "The requested scope is not granted.")
        scopes = asked
    return _access_answer(ctx, token.account, scopes)


def _grant_dead(ctx: YouTubeContext, token: GoogleToken) -> bool:
    """Revoked by the revoke endpoint or by a ``revoke`` fault after the token was issued."""
    revoked = ctx.grant_revoked_at(token.account, token.client_id)
    return issued_before(token.issued_at, revoked) or hit_by_fault(
        ctx.core, PLATFORM, token.account, token.issued_at, "revoke"
    )


def access_token_valid(ctx: YouTubeContext, token: GoogleToken) -> bool:
    """Not expired, not hit by an ``expire_tokens`` fault, grant not revoked."""
    if _grant_dead(ctx, token):
        return False
    now = ctx.core.now()
    if token.expires_at is not None and token.expires_at <= now:
        return False
    return not hit_by_fault(ctx.core, PLATFORM, token.account, token.issued_at, "expire_tokens")


def _live_token(ctx: YouTubeContext, raw: str) -> GoogleToken | None:
    """The access or refresh token behind ``raw`` if it still works."""
    access = parse_token(ctx.core.signer, raw, "access")
    if access is not None:
        return access if access_token_valid(ctx, access) else None
    refresh = parse_token(ctx.core.signer, raw, "refresh")
    if refresh is not None and not _grant_dead(ctx, refresh):
        return refresh
    return None
