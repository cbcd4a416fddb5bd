"""OAuth machinery every platform repeats: consent dialog, single-use codes, PKCE, RFC 6749 errors.

Only the mechanics live here; each platform package keeps its own paths, parameter names, error
wording, lifetimes and rules (PKCE required or optional, rotation, ...).
"""

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from emulator.core import EmulatorCore
from emulator.creators import CREATORS, Creator, get_creator

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
"""The emulator's page templates (consent dialogs and error pages)."""

PKCE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
"""RFC 7636: 43-128 characters of the unreserved set."""


# -- requests and redirects -----------------------------------------------------------------------


async def read_form(request: Request) -> dict[str, str]:
    """The request's form fields (files are ignored)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def is_web_uri(uri: str) -> bool:
    """Whether ``uri`` is an absolute http(s) URL (what every dialog accepts as redirect_uri)."""
    parts = urlsplit(uri)
    return bool(uri) and parts.scheme in ("http", "https") and bool(parts.netloc)


def with_query(uri: str, params: list[tuple[str, str]], fragment: str | None = None) -> str:
    """``uri`` with ``params`` added to its query; ``fragment``, if given, replaces its own."""
    parts = urlsplit(uri)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params]
    replaced = parts._replace(query=urlencode(query))
    if fragment is not None:
        replaced = replaced._replace(fragment=fragment)
    return urlunsplit(replaced)


def redirect_back(
    uri: str,
    params: list[tuple[str, str]],
    state: str | None,
    *,
    state_first: bool = False,
    fragment: str | None = None,
) -> RedirectResponse:
    """302 to the app's redirect URI with ``params`` and the ``state`` (if any)."""
    tail = [("state", state)] if state is not None else []
    query = [*tail, *params] if state_first else [*params, *tail]
    return RedirectResponse(with_query(uri, query, fragment), status_code=302)


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated authorization request (``client_id`` is TikTok's ``client_key``)."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    challenge: str | None = None
    challenge_method: str | None = None

    def form_fields(
        self,
        *,
        client_param: str = "client_id",
        scope_separator: str = ",",
        response_type_first: bool = False,
    ) -> dict[str, str]:
        """The normalized parameters, echoed as hidden fields of the consent form."""
        fields = {client_param: self.client_id, "redirect_uri": self.redirect_uri}
        if response_type_first:
            fields = {"response_type": "code", **fields}
        else:
            fields["response_type"] = "code"
        fields["scope"] = scope_separator.join(self.scopes)
        if self.state is not None:
            fields["state"] = self.state
        if self.challenge is not None:
            fields["code_challenge"] = self.challenge
            fields["code_challenge_method"] = self.challenge_method or "S256"
        return fields

    def redirect(
        self,
        params: list[tuple[str, str]],
        *,
        state_first: bool = False,
        fragment: str | None = None,
    ) -> RedirectResponse:
        """Back to the app with ``params`` and the state."""
        return redirect_back(
            self.redirect_uri, params, self.state, state_first=state_first, fragment=fragment
        )


# -- the consent dialog ---------------------------------------------------------------------------


def error_page(template: str, status_code: int = 400, **context: object) -> HTMLResponse:
    """A platform's HTML error page."""
    return HTMLResponse(TEMPLATES.get_template(template).render(**context), status_code=status_code)


def consent_page(
    request: Request,
    template: str,
    *,
    client_id: str,
    scopes: list[tuple[str, str]],
    hidden: Mapping[str, str],
    account: Callable[[Creator], dict[str, object]],
) -> HTMLResponse:
    """Render a consent dialog listing the demo accounts; ``account`` adds per-account fields."""
    accounts = [{"key": c.key, "name": c.display_name, **account(c)} for c in CREATORS]
    html = TEMPLATES.get_template(template).render(
        client_id=client_id,
        scopes=scopes,
        accounts=accounts,
        hidden=hidden,
        action=request.url.path,
    )
    return HTMLResponse(html)


def decide(
    form: Mapping[str, str],
    *,
    deny: Callable[[], Response],
    approve: Callable[[str], Response],
    refuse: Callable[[str], Response],
    bad_decision: str = "Invalid decision: expected approve or deny",
    unknown_account: str = "Unknown account: {account}",
) -> Response:
    """The user's choice on a consent form: ``deny()``, ``approve(account)`` or ``refuse(why)``."""
    decision = form.get("decision")
    if decision == "deny":
        return deny()
    if decision != "approve":
        return refuse(bad_decision)
    account = form.get("account", "")
    if get_creator(account) is None:
        return refuse(unknown_account.format(account=account))
    return approve(account)


# -- codes ----------------------------------------------------------------------------------------


class SingleUse:
    """Remembers spent nonces (codes, rotated refresh tokens) until they expire anyway."""

    def __init__(self, core: EmulatorCore) -> None:
        self._core = core
        self._spent: dict[str, float] = {}

    def spend(self, nonce: str, expires_at: float) -> bool:
        """Mark ``nonce`` spent; ``False`` if it already was. Forgets expired nonces."""
        now = self._core.now()
        for key in [k for k, exp in self._spent.items() if exp < now]:
            del self._spent[key]
        if nonce in self._spent:
            return False
        self._spent[nonce] = expires_at
        return True


class OAuthContext:
    """Per-app platform state that every OAuth platform has: the core and its used codes."""

    def __init__(self, core: EmulatorCore) -> None:
        self.core = core
        self._used_codes = SingleUse(core)

    def use_code(self, nonce: str, expires_at: float) -> bool:
        """Mark a code used; ``False`` if it already was. Forgets codes once they expire."""
        return self._used_codes.spend(nonce, expires_at)


def s256(verifier: str) -> bytes:
    """SHA-256 digest of a PKCE code verifier."""
    return hashlib.sha256(verifier.encode("ascii")).digest()


def pkce_matches(
    verifier: str, challenge: str, method: str | None = "S256", *, hex_digest: bool = False
) -> bool:
    """RFC 7636 check: well-formed verifier matching ``challenge`` (``S256``, else ``plain``).

    ``hex_digest`` also accepts the hex SHA-256 digest TikTok's desktop guide shows.
    """
    if not PKCE_VERIFIER.match(verifier):
        return False
    if method != "S256":
        return hmac.compare_digest(verifier, challenge)
    digest = s256(verifier)
    b64 = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    if hmac.compare_digest(b64, challenge):
        return True
    return hex_digest and hmac.compare_digest(digest.hex(), challenge)


# -- token endpoint errors ------------------------------------------------------------------------


class OAuthError(Exception):
    """RFC 6749 token/revoke endpoint error: ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        """Render as an HTTP response."""
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
        )
