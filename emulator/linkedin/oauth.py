"""LinkedIn OAuth 2.0 (3-legged): consent page, code exchange, refresh and revoke.

No PKCE for web apps. Refresh tokens only for approved partners
(``EmulatorSettings.linkedin_issue_refresh_tokens``): they live 365 days from the first consent
and refreshing does not extend them — the answer's ``refresh_token_expires_in`` keeps counting
down and the same refresh token comes back.
"""

import re
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from emulator import oauth
from emulator.creators import Creator, followers, get_creator
from emulator.linkedin.context import PLATFORM, LinkedInContext
from emulator.linkedin.data import SCOPES
from emulator.linkedin.errors import (
    OAuthError,
    invalid_client,
    invalid_code,
    invalid_refresh_token,
)
from emulator.linkedin.tokens import (
    CODE_TTL_S,
    LiCode,
    LiToken,
    mint_code,
    mint_token,
    parse_code,
    parse_token,
)
from emulator.oauth import AuthorizeRequest, consent_page, error_page, is_web_uri, read_form
from emulator.tokens import hit_by_fault

_SCOPE_SPLIT = re.compile(r"[,\s]+")


class AuthorizeError(Exception):
    """The request cannot be sent back to the app: LinkedIn shows an error page instead."""


def _validate(ctx: LinkedInContext, params: dict[str, str]) -> AuthorizeRequest:
    """A request to ask the member about (scopes may still be refused by redirect)."""
    if params.get("client_id") != ctx.core.settings.linkedin_client_id:
        raise AuthorizeError("The application could not be found (invalid client_id).")
    redirect_uri = params.get("redirect_uri", "")
    if not is_web_uri(redirect_uri):
        raise AuthorizeError(
            "The redirect_uri does not match the registered value (an absolute http(s) URL)."
        )
    if params.get("response_type") != "code":
        raise AuthorizeError("Invalid response_type: only response_type=code is supported.")
    scopes = tuple(dict.fromkeys(s for s in _SCOPE_SPLIT.split(params.get("scope", "")) if s))
    return AuthorizeRequest(params["client_id"], redirect_uri, scopes, params.get("state"))


def _scope_error(auth: AuthorizeRequest) -> Response | None:
    """LinkedIn sends a refused scope back to the app, not to an error page."""
    if not auth.scopes:
        return auth.redirect(
            [("error", "invalid_scope_error"), ("error_description", "No scope was requested")]
        )
    bad = [s for s in auth.scopes if s not in SCOPES]
    if bad:
        description = f'Scope "{bad[0]}" is not authorized for your application'
        return auth.redirect(
            [("error", "unauthorized_scope_error"), ("error_description", description)]
        )
    return None


def _error_page(message: str) -> Response:
    return error_page("linkedin_error.html", message=message)


def build_oauth_router(ctx: LinkedInContext) -> APIRouter:
    """www.linkedin.com/oauth/v2/*, bound to one emulator instance."""
    router = APIRouter()
    core = ctx.core

    @router.get("/www.linkedin.com/oauth/v2/authorization", response_model=None)
    async def authorize_page(request: Request) -> Response:
        """The consent page: the app, its permissions, the demo members, Allow / Cancel."""
        try:
            auth = _validate(ctx, dict(request.query_params))
        except AuthorizeError as exc:
            return _error_page(str(exc))
        refused = _scope_error(auth)
        if refused is not None:
            return refused
        today = core.today()

        def account(c: Creator) -> dict[str, object]:
            return {"followers": followers(c, today)}

        return consent_page(
            request,
            "linkedin_authorize.html",
            client_id=auth.client_id,
            scopes=[(s, SCOPES[s]) for s in auth.scopes],
            hidden=auth.form_fields(scope_separator=" ", response_type_first=True),
            account=account,
        )

    @router.post("/www.linkedin.com/oauth/v2/authorization", response_model=None)
    async def authorize_submit(request: Request) -> Response:
        """The member's decision: a code, or ``user_cancelled_authorize``."""
        form = await read_form(request)
        try:
            auth = _validate(ctx, form)
        except AuthorizeError as exc:
            return _error_page(str(exc))
        refused = _scope_error(auth)
        if refused is not None:
            return refused

        def approve(account: str) -> Response:
            code = LiCode(
                account=account,
                client_id=auth.client_id,
                redirect_uri=auth.redirect_uri,
                scopes=auth.scopes,
                issued_at=core.now(),
                nonce=secrets.token_hex(8),
            )
            return auth.redirect([("code", mint_code(core.signer, code))])

        cancelled = [
            ("error", "user_cancelled_authorize"),
            ("error_description", "The user cancelled the authorization"),
        ]
        return oauth.decide(
            form,
            deny=lambda: auth.redirect(cancelled),
            approve=approve,
            refuse=_error_page,
            bad_decision="Invalid decision: expected approve or deny.",
            unknown_account="Unknown member: {account}",
        )

    @router.post("/www.linkedin.com/oauth/v2/accessToken", response_model=None)
    async def access_token(request: Request) -> Response:
        """``authorization_code`` and ``refresh_token`` grants."""
        form = await read_form(request)
        try:
            _check_client(ctx, form)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                return JSONResponse(_exchange(ctx, form))
            if grant_type == "refresh_token":
                return JSONResponse(_refresh(ctx, form))
            raise OAuthError(
                "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
            )
        except OAuthError as exc:
            return exc.response()

    @router.post("/www.linkedin.com/oauth/v2/revoke", response_model=None)
    async def revoke(request: Request) -> Response:
        """Revoke an access or refresh token: the whole authorization stops working."""
        form = await read_form(request)
        try:
            _check_client(ctx, form)
        except OAuthError as exc:
            return exc.response()
        raw = form.get("token", "")
        token = parse_token(core.signer, "access", raw) or parse_token(core.signer, "refresh", raw)
        if token is None:
            return OAuthError("invalid_request", "Unknown token").response()
        ctx.revoke_grant(token.grant)
        return Response(status_code=200)

    return router


def _check_client(ctx: LinkedInContext, form: dict[str, str]) -> None:
    settings = ctx.core.settings
    if form.get("client_id") != settings.linkedin_client_id:
        raise invalid_client()
    if form.get("client_secret") != settings.linkedin_client_secret:
        raise invalid_client()


def _exchange(ctx: LinkedInContext, form: dict[str, str]) -> dict[str, object]:
    core = ctx.core
    code = parse_code(core.signer, form.get("code", ""))
    now = core.now()
    expires_at = (code.issued_at + CODE_TTL_S) if code else 0.0
    if code is None or code.client_id != form.get("client_id") or now > expires_at:
        raise invalid_code()
    if form.get("redirect_uri") != code.redirect_uri or get_creator(code.account) is None:
        raise invalid_code()
    if not ctx.use_code(code.nonce, expires_at):
        raise invalid_code()
    settings = core.settings
    grant = secrets.token_hex(8)
    access = _access(ctx, code.account, code.client_id, code.scopes, grant)
    answer: dict[str, object] = {
        "access_token": mint_token(core.signer, access),
        "expires_in": settings.linkedin_access_token_ttl_s,
        "scope": ",".join(code.scopes),
        "token_type": "Bearer",
    }
    if settings.linkedin_issue_refresh_tokens:
        refresh = LiToken(
            kind="refresh",
            account=code.account,
            client_id=code.client_id,
            scopes=code.scopes,
            issued_at=now,
            expires_at=now + settings.linkedin_refresh_token_ttl_s,
            grant=grant,
        )
        answer["refresh_token"] = mint_token(core.signer, refresh)
        answer["refresh_token_expires_in"] = settings.linkedin_refresh_token_ttl_s
    return answer


def _refresh(ctx: LinkedInContext, form: dict[str, str]) -> dict[str, object]:
    """A new 60-day access token; the refresh token keeps its original end of life."""
    core = ctx.core
    raw = form.get("refresh_token", "")
    token = parse_token(core.signer, "refresh", raw)
    now = core.now()
    if token is None or token.client_id != form.get("client_id") or token.expires_at <= now:
        raise invalid_refresh_token()
    if ctx.grant_revoked(token.grant) or hit_by_fault(
        core, PLATFORM, token.account, token.issued_at, "revoke"
    ):
        raise invalid_refresh_token()
    access = _access(ctx, token.account, token.client_id, token.scopes, token.grant)
    return {
        "access_token": mint_token(core.signer, access),
        "expires_in": core.settings.linkedin_access_token_ttl_s,
        "refresh_token": raw,
        "refresh_token_expires_in": int(token.expires_at - now),
        "scope": ",".join(token.scopes),
        "token_type": "Bearer",
    }


def _access(
    ctx: LinkedInContext, account: str, client_id: str, scopes: tuple[str, ...], grant: str
) -> LiToken:
    now = ctx.core.now()
    return LiToken(
        kind="access",
        account=account,
        client_id=client_id,
        scopes=scopes,
        issued_at=now,
        expires_at=now + ctx.core.settings.linkedin_access_token_ttl_s,
        grant=grant,
    )
