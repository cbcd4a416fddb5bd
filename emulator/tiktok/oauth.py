"""Login Kit v2: the consent dialog (www.tiktok.com) and the token/revoke endpoints.

The dialog refuses an unknown ``client_key`` or a bad ``redirect_uri`` on an error page (there is
nowhere safe to redirect); other problems go back to the app as ``error`` / ``error_description``
/ ``state``, as do denials (``access_denied``). Approval redirects with ``code``, ``scopes`` and
``state``. PKCE: whenever a ``code_challenge`` was sent, the exchange must carry the matching
``code_verifier`` (S256; TikTok's desktop guide hex-encodes the digest, so that form is accepted
as well as RFC 7636's base64url).
"""

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from emulator import oauth
from emulator.creators import Creator, followers, get_creator
from emulator.oauth import (
    AuthorizeRequest,
    consent_page,
    error_page,
    pkce_matches,
    read_form,
    redirect_back,
)
from emulator.tiktok.context import PLATFORM, TikTokContext
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
from emulator.tokens import hit_by_fault, issued_before

AUTHORIZE_PATH = "/www.tiktok.com/v2/auth/authorize/"


class DialogError(Exception):
    """Nowhere safe to redirect to: an error page."""


class RedirectError(Exception):
    """Reported back to the app's redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def redirect(self, params: dict[str, str]) -> Response:
        """Back to the (already checked) redirect URI with ``error`` and the state."""
        details = [("error", self.error), ("error_description", self.description)]
        return redirect_back(params["redirect_uri"], details, params.get("state"))


def _redirect_target(ctx: TikTokContext, params: dict[str, str]) -> tuple[str, str]:
    if params.get("client_key", "") != ctx.core.settings.tiktok_client_key:
        raise DialogError("client_key: this app is not registered with TikTok")
    redirect_uri = params.get("redirect_uri", "")
    if not oauth.is_web_uri(redirect_uri) or urlsplit(redirect_uri).fragment:
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
    method = "S256" if challenge is not None else None
    return AuthorizeRequest(
        client_key, redirect_uri, scopes, params.get("state"), challenge, method
    )


def _error_page(message: str) -> Response:
    return error_page("tiktok_error.html", message=message)


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
            return exc.redirect(params)
        today = core.today()

        def account(c: Creator) -> dict[str, object]:
            return {"private": is_private(c), "followers": followers(c, today)}

        return consent_page(
            request,
            "tiktok_authorize.html",
            client_id=auth.client_id,
            scopes=[(s, SCOPE_LABELS[s]) for s in auth.scopes],
            hidden=auth.form_fields(client_param="client_key"),
            account=account,
        )

    @router.post(AUTHORIZE_PATH, response_model=None)
    async def authorize_submit(request: Request) -> Response:
        """The user's decision: back to the app with a code or ``access_denied``."""
        form = await read_form(request)
        try:
            auth = _validate(ctx, form)
        except DialogError as exc:
            return _error_page(str(exc))
        except RedirectError as exc:
            return exc.redirect(form)

        def approve(account: str) -> Response:
            code = TtCode(
                account=account,
                client_key=auth.client_id,
                redirect_uri=auth.redirect_uri,
                scopes=auth.scopes,
                code_challenge=auth.challenge,
                issued_at=core.now(),
                nonce=new_nonce(),
            )
            granted = [("code", mint_code(core.signer, code)), ("scopes", ",".join(auth.scopes))]
            return auth.redirect(granted)

        denied = [
            ("error", "access_denied"),
            ("error_description", "The user denied the authorization request."),
        ]
        return oauth.decide(
            form,
            deny=lambda: auth.redirect(denied),
            approve=approve,
            refuse=_error_page,
            bad_decision="decision: expected approve or deny",
        )

    @router.post("/open.tiktokapis.com/v2/oauth/token/", response_model=None)
    async def token(request: Request) -> Response:
        """``authorization_code`` and ``refresh_token`` grants."""
        form = await read_form(request)
        try:
            return JSONResponse(_token(ctx, form))
        except OAuthError as exc:
            return exc.response(core.now())

    @router.post("/open.tiktokapis.com/v2/oauth/revoke/", response_model=None)
    async def revoke(request: Request) -> Response:
        """Disconnect the app from the token's account: its tokens all stop working."""
        form = await read_form(request)
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
        if not pkce_matches(verifier, code.code_challenge, hex_digest=True):
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
    if hit_by_fault(core, PLATFORM, old.account, old.issued_at, "revoke") or issued_before(
        old.issued_at, ctx.revoked_since(old.account)
    ):
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
