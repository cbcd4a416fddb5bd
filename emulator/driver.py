"""Driving an emulated platform's consent form the way a browser would (tests, benchmark)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.accounts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values.get("action")
        elif tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"]] = values.get("value", "")
        elif tag == "input" and values.get("type") == "radio" and values.get("name") == "account":
            self.accounts.append(values.get("value", ""))


async def consent(
    http: httpx.AsyncClient,
    authorization_url: str,
    *,
    account: str,
    decision: str = "approve",
    listed: bool = True,
) -> str:
    """Open the consent page, submit it, and return where the platform redirects the browser.

    ``listed=False`` submits an account the page accepts by key without listing it (the
    generated demo creators).
    """
    page = await http.get(authorization_url)
    if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
        raise ConsentError(f"no consent page ({page.status_code}): {page.text[:300]}")
    form = _FormParser()
    form.feed(page.text)
    if not form.action or (listed and account not in form.accounts):
        raise ConsentError(f"no form offering {account!r} (accounts: {form.accounts})")
    answer = await http.post(
        urljoin(authorization_url, form.action),
        data={**form.fields, "account": account, "decision": decision},
    )
    if answer.status_code not in (302, 303):
        raise ConsentError(f"consent not redirected ({answer.status_code}): {answer.text[:300]}")
    return str(answer.headers["location"])


class ConsentError(AssertionError):
    """The consent page did not behave as a platform's does."""
