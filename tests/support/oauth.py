"""Driving an emulated platform's consent form the way a browser would."""

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
    http: httpx.AsyncClient, authorization_url: str, *, account: str, decision: str = "approve"
) -> str:
    """Open the consent page, submit it, and return where the platform redirects the browser."""
    page = await http.get(authorization_url)
    assert page.status_code == 200, page.text
    assert "text/html" in page.headers["content-type"]
    form = _FormParser()
    form.feed(page.text)
    assert form.action and account in form.accounts, form.accounts
    answer = await http.post(
        urljoin(authorization_url, form.action),
        data={**form.fields, "account": account, "decision": decision},
    )
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]
