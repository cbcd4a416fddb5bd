"""Login Kit v2: the consent dialog (www.tiktok.com) and the token/revoke endpoints.

The dialog refuses an unknown ``client_key`` or a bad ``redirect_uri`` on an error page (there is
nowhere safe to redirect); other problems go back to the app as ``error`` / ``error_description``
/ ``state``, as do denials (``access_denied``). Approval redirects with ``code``, ``scopes`` and
``state``. PKCE: whenever a ``code_challenge`` was sent, the exchange must carry the matching
``code_verifier`` (S256; TikTok's desktop guide hex-encodes the digest, so that form is accepted
as well as RFC 7636's base64url).
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from emulator.creators import CREATORS, followers, get_creator
from emulator.tiktok.context import TikTokContext
from emulator.tiktok.data import BASIC_SCOPE, SCOPE_LABELS, is_private, open_id
from emulator.tiktok.errors import OAuthError
from emulator.tiktok.tokens import (
    CODE_TTL_S,
    TtCode,
    TtToken,
    mint_access,
    mint_code,
    mint_refresh,
    new_nonce,
    parse_access,
    parse_code,
    parse_refresh,
)

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
AUTHORIZE_PATH = "/www.tiktok.com/v2/auth/authorize/"


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated authorization request."""

    client_key: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None

    def hidden_fields(self) -> dict[str, str]:
        """The original parameters, echoed in the consent form."""
        fields = {
            "client_key": self.client_key,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": ",".join(self.scopes),
        }
        if self.state is not None:
            fields["state"] = self.state
        if self.code_challenge is not None:
            fields["code_challenge"] = self.code_challenge
            fields["code_challenge_method"] = "S256"
        return fields


class DialogError(Exception):
    """Nowhere safe to redirect to: an error page."""


class RedirectError(Exception):
    """Reported back to the app's redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _redirect_target(ctx: TikTokContext, params: dict[str, str]) -> tuple[str, str]:
    if params.get("client_key", "") != ctx.core.settings.tiktok_client_key:
        raise DialogError("client_key: this app is not registered with TikTok")
    redirect_uri = params.get("redirect_uri", "")
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise DialogError("redirect_uri: an absolute http(s) URI without a fragment is required")
    return params["client_key"], redirect_uri


def _validate(ctx: TikTokContext, params: dict[str, str]) -> AuthorizeRequest:
    client_key, redirect_uri = _redirect_target(ctx, params)
    if params.get("response_type") != "code":
        raise RedirectError("unsupported_response_type", "response_type must be code")
    scopes = tuple(dict.fromkeys(s.strip() for s in params.get("scope", "").split(",") if s))
    unknown = [s for s in scopes if s not in SCOPE_LABELS]
    if not scopes or unknown:
        raise RedirectError("invalid_scope", f"Invalid scope: {','.join(unknown) or '(empty)'}")
    challenge = params.get("code_challenge") or None
    if challenge is not None and params.get("code_challenge_method") != "S256":
        raise RedirectError("invalid_request", "code_challenge_method must be S256")
    return AuthorizeRequest(client_key, redirect_uri, scopes, params.get("state"), challenge)


def _with_query(uri: str, params: list[tuple[str, str]]) -> str:
    parts = urlsplit(uri)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_page(message: str) -> HTMLResponse:
    return HTMLResponse(
        _TEMPLATES.get_template("tiktok_error.html").render(message=message), status_code=400
    )


def _bounce(redirect_uri: str, state: str | None, params: list[tuple[str, str]]) -> Response:
    tail = [("state", state)] if state is not None else []
    return RedirectResponse(_with_query(redirect_uri, [*params, *tail]), status_code=302)


def _form_dict(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def s256_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 S256 (base64url), or the hex digest TikTok's desktop guide shows."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    b64 = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    return hmac.compare_digest(b64, challenge) or hmac.compare_digest(digest.hex(), challenge)


def build_oauth_router(ctx: TikTokContext) -> APIRouter:
    """Routes of the dialog and the OAuth endpoints, bound to one emulator instance."""
    router = APIRouter()
    core = ctx.core

    @router.get(AUTHORIZE_PATH, response_model=None)
    async def authorize_page(request: Request) -> Response:
        """The consent dialog: the app, its scopes, the demo accounts, Authorize / Cancel."""
        params = dict(request.query_params)
        try:
            auth = _validate(ctx, params)
        except DialogError as exc:
            return _error_page(str(exc))
        except RedirectError as exc:
            redirect_uri = params["redirect_uri"]
            details = [("error", exc.error), ("error_description", exc.description)]
            return _bounce(redirect_uri, params.get("state"), details)
        today = core.today()
        accounts = [
            {
                "key": c.key,
                "name": c.display_name,
                "private": is_private(c),
                "followers": followers(c, today),
            }
            for c in CREATORS
        ]
        html = _TEMPLATES.get_template("tiktok_authorize.html").render(
            client_key=auth.client_key,
            scopes=[(s, SCOPE_LABELS[s]) for s in auth.scopes],
            accounts=accounts,
            hidden=auth.hidden_fields(),
            action=request.url.path,
        )
        return HTMLResponse(html)

    @router.post(AUTHORIZE_PATH, response_model=None)
    async def authorize_submit(request: Request) -> Response:
        """The user's decision: back to the app with a code or ``access_denied``."""
        form = _form_dict(await request.form())
        try:
            auth = _validate(ctx, form)
        except DialogError as exc:
            return _error_page(str(exc))
        except RedirectError as exc:
            details = [("error", exc.error), ("error_description", exc.description)]
            return _bounce(form["redirect_uri"], form.get("state"), details)
        decision = form.get("decision")
        if decision == "deny":
            denied = [
                ("error", "access_denied"),
                ("error_description", "The user denied the authorization request."),
            ]
            return _bounce(auth.redirect_uri, auth.state, denied)
        if decision != "approve":
            return _error_page("decision: expected approve or deny")
        account = form.get("account", "")
        if get_creator(account) is None:
            return _error_page(f"Unknown account: {account}")
        code = TtCode(
            account=account,
            client_key=auth.client_key,
            redirect_uri=auth.redirect_uri,
            scopes=auth.scopes,
            code_challenge=auth.code_challenge,
            issued_at=core.now(),
            nonce=new_nonce(),
        )
        granted = [("code", mint_code(core.signer, code)), ("scopes", ",".join(auth.scopes))]
        return _bounce(auth.redirect_uri, auth.state, granted)

    @router.post("/open.tiktokapis.com/v2/oauth/token/", response_model=None)
    async def token(request: Request) -> Response:
        """``authorization_code`` and ``refresh_token`` grants."""
        form = _form_dict(await request.form())
        try:
            return JSONResponse(_token(ctx, form))
        except OAuthError as exc:
            return exc.response(core.now())

    @router.post("/open.tiktokapis.com/v2/oauth/revoke/", response_model=None)
    async def revoke(request: Request) -> Response:
        """Disconnect the app from the token's account: its tokens all stop working."""
        form = _form_dict(await request.form())
        try:
            _check_client(ctx, form)
        except OAuthError as exc:
            return exc.response(core.now())
        parsed = parse_access(core.signer, form.get("token", ""))
        if parsed is None:
            return OAuthError("invalid_request", "token: not a valid access token").response(
                core.now()
            )
        ctx.revoke(parsed.account)
        return JSONResponse({})

    return router


def _check_client(ctx: TikTokContext, form: dict[str, str]) -> None:
    settings = ctx.core.settings
    if form.get("client_key") != settings.tiktok_client_key:
        raise OAuthError("invalid_client", "Client key is invalid.")
    if form.get("client_secret") != settings.tiktok_client_secret:
        raise OAuthError("invalid_client", "Client secret is invalid.")


def _token(ctx: TikTokContext, form: dict[str, str]) -> dict[str, object]:
    _check_client(ctx, form)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        return _exchange(ctx, form)
    if grant_type == "refresh_token":
        return _refresh(ctx, form)
    raise OAuthError("unsupported_grant_type", "grant_type is not supported.")


def _exchange(ctx: TikTokContext, form: dict[str, str]) -> dict[str, object]:
    core = ctx.core
    code = parse_code(core.signer, form.get("code", ""))
    now = core.now()
    expires_at = (code.issued_at + CODE_TTL_S) if code else 0.0
    if code is None or code.client_key != form.get("client_key") or now > expires_at:
        raise OAuthError("invalid_grant", "Authorization code is expired.")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request.")
    if code.code_challenge is not None:
        verifier = form.get("code_verifier", "")
        if not _VERIFIER.match(verifier) or not s256_matches(verifier, code.code_challenge):
            raise OAuthError("invalid_grant", "Code verifier or code challenge is invalid.")
    if get_creator(code.account) is None or not ctx.use_code(code.nonce, expires_at):
        raise OAuthError("invalid_grant", "Authorization code is expired.")
    refresh_expiry = now + core.settings.tiktok_refresh_token_ttl_s
    return _grant(ctx, code.account, code.client_key, code.scopes, now, refresh_expiry)


def _refresh(ctx: TikTokContext, form: dict[str, str]) -> dict[str, object]:
    """Rotation: the refresh token sent dies, a new one (same final expiry) replaces it."""
    core = ctx.core
    old = parse_refresh(core.signer, form.get("refresh_token", ""))
    now = core.now()
    dead = "Refresh token is invalid or expired."
    if old is None or old.client_key != form.get("client_key") or old.expires_at <= now:
        raise OAuthError("invalid_grant", dead)
    revoked = [
        core.faults.account_fault_since("tiktok", "revoke", old.account),
        ctx.revoked_since(old.account),
    ]
    if any(at is not None and old.issued_at <= at for at in revoked):
        raise OAuthError("invalid_grant", dead)
    if not ctx.rotate(old.nonce, old.expires_at):
        raise OAuthError("invalid_grant", dead)
    return _grant(ctx, old.account, old.client_key, old.scopes, now, old.expires_at)


def _grant(
    ctx: TikTokContext,
    account: str,
    client_key: str,
    scopes: tuple[str, ...],
    now: float,
    refresh_expires_at: float,
) -> dict[str, object]:
    """The v2 token answer; ``refresh_expires_in`` is what is left of the grant's lifetime."""
    core = ctx.core
    creator = get_creator(account)
    assert creator is not None
    ttl = core.settings.tiktok_access_token_ttl_s
    access = TtToken(account, client_key, scopes, now, now + ttl, new_nonce())
    refresh = TtToken(account, client_key, scopes, now, refresh_expires_at, new_nonce())
    return {
        "access_token": mint_access(core.signer, access),
        "expires_in": ttl,
        "open_id": open_id(creator),
        "refresh_expires_in": max(0, round(refresh_expires_at - now)),
        "refresh_token": mint_refresh(core.signer, refresh),
        "scope": ",".join(scopes) if scopes else BASIC_SCOPE,
        "token_type": "Bearer",
    }
