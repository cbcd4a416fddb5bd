"""Facebook Login: the OAuth dialog on www.facebook.com (``/v{N}/dialog/oauth``).

The code exchange itself lives on graph.facebook.com (:mod:`emulator.facebook.graph`).
Authorization codes are Instagram's signed codes bound to the Facebook app id.
"""

import re
import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from emulator.creators import CREATORS, get_creator
from emulator.facebook.context import FacebookContext
from emulator.facebook.data import SCOPE_LABELS, SCOPES, has_page, page_followers
from emulator.instagram.oauth import _TEMPLATES, AuthorizeRequest, _form_dict, _with_query
from emulator.instagram.tokens import IgCode, mint_code

_SCOPE_SPLIT = re.compile(r"[,\s]+")
_VERSION = re.compile(r"^v\d+\.\d+$")
_FRAGMENT = "_=_"  # Facebook appends #_=_ to every redirect back


class DialogError(Exception):
    """The dialog refuses the request before asking the user anything."""


def _validate(ctx: FacebookContext, params: dict[str, str]) -> AuthorizeRequest:
    client_id = params.get("client_id", "")
    if client_id != ctx.core.settings.facebook_app_id:
        raise DialogError("Invalid App ID: The provided app ID does not look like a valid app ID.")
    redirect_uri = params.get("redirect_uri", "")
    parts = urlsplit(redirect_uri)
    if not redirect_uri or parts.scheme not in ("http", "https") or not parts.netloc:
        raise DialogError("URL blocked: the redirect_uri must be an absolute http(s) URL.")
    if params.get("response_type", "code") != "code":
        raise DialogError("Unsupported response_type: only code is supported here.")
    scopes = tuple(dict.fromkeys(s for s in _SCOPE_SPLIT.split(params.get("scope", "")) if s))
    bad = [s for s in scopes if s not in SCOPES]
    if bad:
        raise DialogError(
            f"Invalid Scopes: {', '.join(bad)}. This message is only shown to developers."
        )
    return AuthorizeRequest(
        client_id, redirect_uri, scopes or ("public_profile",), params.get("state")
    )


def _error_page(message: str) -> Response:
    html = _TEMPLATES.get_template("facebook_error.html").render(message=message)
    return HTMLResponse(html, status_code=400)


def build_oauth_router(ctx: FacebookContext) -> APIRouter:
    """Routes of the dialog (versioned and unversioned), bound to one emulator instance."""
    router = APIRouter()
    core = ctx.core

    def check_version(version: str | None) -> None:
        if version is not None and not _VERSION.match(version):
            raise DialogError(f"Unknown API version: {version}")

    def page(request: Request, version: str | None) -> Response:
        try:
            check_version(version)
            auth = _validate(ctx, dict(request.query_params))
        except DialogError as exc:
            return _error_page(str(exc))
        today = core.today()
        accounts = [
            {
                "key": c.key,
                "name": c.display_name,
                "page": has_page(c),
                "followers": page_followers(c, today) if has_page(c) else 0,
            }
            for c in CREATORS
        ]
        html = _TEMPLATES.get_template("facebook_authorize.html").render(
            client_id=auth.client_id,
            scopes=[(s, SCOPE_LABELS[s]) for s in auth.scopes],
            accounts=accounts,
            hidden=auth.hidden_fields(),
            action=request.url.path,
        )
        return HTMLResponse(html)

    async def submit(request: Request, version: str | None) -> Response:
        form = _form_dict(await request.form())
        try:
            check_version(version)
            auth = _validate(ctx, form)
        except DialogError as exc:
            return _error_page(str(exc))
        state = [("state", auth.state)] if auth.state is not None else []
        decision = form.get("decision")
        if decision == "deny":
            denied = [
                ("error", "access_denied"),
                ("error_code", "200"),
                ("error_description", "Permissions error"),
                ("error_reason", "user_denied"),
                *state,
            ]
            target = _with_query(auth.redirect_uri, denied, fragment=_FRAGMENT)
            return RedirectResponse(target, status_code=302)
        if decision != "approve":
            return _error_page("Invalid decision: expected approve or deny")
        account = form.get("account", "")
        if get_creator(account) is None:
            return _error_page(f"Unknown account: {account}")
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
        target = _with_query(auth.redirect_uri, [("code", code), *state], fragment=_FRAGMENT)
        return RedirectResponse(target, status_code=302)

    @router.get("/www.facebook.com/{version}/dialog/oauth", response_model=None)
    async def dialog_versioned(version: str, request: Request) -> Response:
        """The consent dialog: the app, its permissions, the demo people, Approve / Deny."""
        return page(request, version)

    @router.get("/www.facebook.com/dialog/oauth", response_model=None)
    async def dialog(request: Request) -> Response:
        """The unversioned dialog (Facebook serves the app's default version)."""
        return page(request, None)

    @router.post("/www.facebook.com/{version}/dialog/oauth", response_model=None)
    async def decide_versioned(version: str, request: Request) -> Response:
        """The user's decision: redirect back with a code or Facebook's denial."""
        return await submit(request, version)

    @router.post("/www.facebook.com/dialog/oauth", response_model=None)
    async def decide(request: Request) -> Response:
        """The user's decision on the unversioned dialog."""
        return await submit(request, None)

    return router
