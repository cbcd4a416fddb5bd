"""Instagram Login: the consent dialog (www.instagram.com) and code exchange (api.instagram.com)."""

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from emulator.creators import CREATORS, followers, get_creator
from emulator.instagram.context import InstagramContext
from emulator.instagram.data import SCOPE_LABELS, SCOPES, account_type, app_scoped_id
from emulator.instagram.errors import OAuthEndpointError
from emulator.instagram.tokens import (
    CODE_TTL_S,
    IgCode,
    IgToken,
    mint_code,
    mint_token,
    parse_code,
)

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_SCOPE_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated authorization request."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None

    def hidden_fields(self) -> dict[str, str]:
        """The original parameters, echoed in the consent form."""
        fields = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": ",".join(self.scopes),
        }
        if self.state is not None:
            fields["state"] = self.state
        return fields


class AuthorizeError(Exception):
    """The dialog refuses the request before asking the user anything."""


def _validate(ctx: InstagramContext, params: dict[str, str]) -> AuthorizeRequest:
    settings = ctx.core.settings
    client_id = params.get("client_id", "")
    if client_id != settings.instagram_client_id:
        raise AuthorizeError("Invalid platform app")
    redirect_uri = params.get("redirect_uri", "")
    parts = urlsplit(redirect_uri)
    if not redirect_uri or parts.scheme not in ("http", "https") or not parts.netloc:
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
        html = _TEMPLATES.get_template("instagram_error.html").render(message=message)
        return HTMLResponse(html, status_code=400)
    return OAuthEndpointError(message).response()


def _with_query(uri: str, params: list[tuple[str, str]], fragment: str = "") -> str:
    parts = urlsplit(uri)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=fragment))


def _form_dict(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


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
        accounts = [
            {
                "key": c.key,
                "name": c.display_name,
                "account_type": account_type(c),
                "followers": followers(c, today),
            }
            for c in CREATORS
        ]
        html = _TEMPLATES.get_template("instagram_authorize.html").render(
            client_id=auth.client_id,
            scopes=[(s, SCOPE_LABELS[s]) for s in auth.scopes],
            accounts=accounts,
            hidden=auth.hidden_fields(),
            action=request.url.path,
        )
        return HTMLResponse(html)

    @router.post("/www.instagram.com/oauth/authorize", response_model=None)
    async def authorize_submit(request: Request) -> Response:
        """The user's decision: redirect back with a code (``#_`` appended) or an error."""
        form = _form_dict(await request.form())
        try:
            auth = _validate(ctx, form)
        except AuthorizeError as exc:
            return _error_page(request, str(exc))
        state = [("state", auth.state)] if auth.state is not None else []
        decision = form.get("decision")
        if decision == "deny":
            denied = [
                ("error", "access_denied"),
                ("error_reason", "user_denied"),
                ("error_description", "The user denied your request."),
                *state,
            ]
            return RedirectResponse(_with_query(auth.redirect_uri, denied), status_code=302)
        if decision != "approve":
            return _error_page(request, "Invalid decision: expected approve or deny")
        account = form.get("account", "")
        if get_creator(account) is None:
            return _error_page(request, f"Unknown account: {account}")
        code = mint_code(
            core.signer,
            IgCode(
                account=account,
                client_id=auth.client_id,
                redirect_uri=auth.redirect_uri,
                scopes=auth.scopes,
                issued_at=core.now(),
                nonce=secrets.token_hex(8),
            ),
        )
        target = _with_query(auth.redirect_uri, [("code", code), *state], fragment="_")
        return RedirectResponse(target, status_code=302)

    @router.post("/api.instagram.com/oauth/access_token", response_model=None)
    async def exchange_code(request: Request) -> Response:
        """Authorization code → short-lived token, in Instagram's (configurable) answer shape."""
        form = _form_dict(await request.form())
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
