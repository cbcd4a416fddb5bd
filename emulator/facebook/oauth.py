"""Facebook Login: the OAuth dialog on www.facebook.com (``/v{N}/dialog/oauth``).

The code exchange itself lives on graph.facebook.com (:mod:`emulator.facebook.graph`).
Authorization codes are the Meta code both logins share, bound to the Facebook app id.
"""

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from emulator import oauth
from emulator.creators import Creator
from emulator.facebook.context import FacebookContext
from emulator.facebook.data import SCOPE_LABELS, SCOPES, has_page, page_followers
from emulator.meta import consent_code
from emulator.oauth import AuthorizeRequest, consent_page, error_page, is_web_uri, read_form

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
    if not is_web_uri(redirect_uri):
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
    return error_page("facebook_error.html", message=message)


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

        def account(c: Creator) -> dict[str, object]:
            return {
                "page": has_page(c),
                "followers": page_followers(c, today) if has_page(c) else 0,
            }

        return consent_page(
            request,
            "facebook_authorize.html",
            client_id=auth.client_id,
            scopes=[(s, SCOPE_LABELS[s]) for s in auth.scopes],
            hidden=auth.form_fields(),
            account=account,
        )

    async def submit(request: Request, version: str | None) -> Response:
        form = await read_form(request)
        try:
            check_version(version)
            auth = _validate(ctx, form)
        except DialogError as exc:
            return _error_page(str(exc))

        def approve(account: str) -> Response:
            code = consent_code(core, auth, account)
            return auth.redirect([("code", code)], fragment=_FRAGMENT)

        denied = [
            ("error", "access_denied"),
            ("error_code", "200"),
            ("error_description", "Permissions error"),
            ("error_reason", "user_denied"),
        ]
        return oauth.decide(
            form,
            deny=lambda: auth.redirect(denied, fragment=_FRAGMENT),
            approve=approve,
            refuse=_error_page,
        )

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
