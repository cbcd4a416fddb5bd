"""The plain landing page the default portal redirect URL points at, after the OAuth callback.

Platforms are named as they spell themselves ("TikTok", not ``str.title()``'s "Tiktok"). The
page only ever shows a name from :data:`PLATFORM_NAMES`: an unknown ``platform`` in the query is
shown as "Account connected", so the page cannot be made to claim a made-up service. The HTML is
a Jinja2 template (``templates/connect_result.html``) with autoescaping on, so the message from
the query string is always shown as text, never as markup.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from shared.platforms import Platform

PLATFORM_NAMES: dict[Platform, str] = {
    Platform.INSTAGRAM: "Instagram",
    Platform.TIKTOK: "TikTok",
    Platform.YOUTUBE: "YouTube",
    Platform.X: "X",
    Platform.LINKEDIN: "LinkedIn",
    Platform.FACEBOOK: "Facebook",
}
TEMPLATES = Path(__file__).parent / "templates"
_templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
)
_page = _templates.get_template("connect_result.html")


def platform_name(value: str) -> str | None:
    """The platform's own spelling of its name, or ``None`` for an unknown value."""
    try:
        return PLATFORM_NAMES[Platform(value)]
    except ValueError:
        return None


def result_page(status: str, platform: str, message: str) -> HTMLResponse:
    """200 "<Platform> connected" after a connection, 400 "Connection failed" otherwise."""
    ok = status == "connected"
    if ok:
        title = f"{platform_name(platform) or 'Account'} connected"
        body = "You can close this window."
    else:
        title, body = "Connection failed", message or "Please try again."
    return HTMLResponse(_page.render(title=title, body=body), status_code=200 if ok else 400)
