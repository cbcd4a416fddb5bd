"""The gateway's path check: what passes decodes once to a routable path; the rest is refused."""

from __future__ import annotations

import pytest

from services.local.paths import (
    MAX_PATH_BYTES,
    MAX_URL_BYTES,
    RefusedPath,
    checked_path,
    encoded,
)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (b"/api/portal/social/connections", "/api/portal/social/connections"),
        (b"/api/admin/social/clients/c-1/overview", "/api/admin/social/clients/c-1/overview"),
        # Ordinary escapes decode once: "%20" is a space, "%C3%A9" is "é", "%41" is "A".
        (b"/api/admin/social/clients/a%20b/overview", "/api/admin/social/clients/a b/overview"),
        (b"/api/admin/social/clients/%C3%A9/overview", "/api/admin/social/clients/é/overview"),
        (b"/api/%41", "/api/A"),
        (b"/api/portal/social/connections/", "/api/portal/social/connections/"),  # trailing /
        (b"/", "/"),
        (b"/api/a..b/.hidden", "/api/a..b/.hidden"),  # dots inside a segment are just text
    ],
)
def test_a_plain_path_is_decoded_once(raw: bytes, path: str) -> None:
    assert checked_path(raw) == path


ATTACKS = {
    # The issue's own example: encoded slashes that a second decoding turns into ../../
    b"/api/portal/social/connections/..%2F..%2F..%2F..%2Fmetrics": "encoded '/'",
    b"/api/portal/social/connections/..%2f..%2freadyz": "encoded '/'",
    b"/api/portal/social/connections/..%5C..%5Cdocs": "encoded '/' or '\\'",
    b"/api/portal/social/connections\\..\\internal": "encoded '/' or '\\'",
    b"/api/portal/social/connections/../../../../metrics": "'..' segment",
    b"/api/portal/social/connections/%2e%2e/%2e%2e/%2e%2e/%2e%2e/internal/x": "'..' segment",
    b"/api/portal/social/connections/.%2E/docs": "'..' segment",
    b"/api/portal/social/connections/./x": "'.' or '..' segment",
    b"/api/portal/social/connections/..": "'..' segment",
    # Double encoding: "%252F" decodes to the text "%2F", which a later hop could decode to "/".
    b"/api/portal/social/connections/..%252F..%252Fmetrics": "double percent-encoding",
    b"/api/portal/social/connections/%25": "double percent-encoding",
    b"/api/portal/social/connections/%00": "control character",
    b"/api/portal/social/connections/a%0Ab": "control character",
    b"/api/portal/social/connections/%7F": "control character",
    b"/api/portal/social/connections/%C2%85": "control character",  # U+0085, a C1 control
    b"/api/portal/social/connections/%zz": "malformed percent-encoding",
    b"/api/portal/social/connections/%4": "malformed percent-encoding",
    b"/api/portal/social/connections/%": "malformed percent-encoding",
    b"/api/portal/social/connections/%C0%AE%C0%AE": "not valid UTF-8",  # overlong "."
    b"/api/portal/social/connections/%FF": "not valid UTF-8",
    b"/api/portal/social//connections": "empty segment",
    b"//api/portal/social/connections": "empty segment",
    b"/api/portal/social/connections/\x00": "control or non-ASCII byte",
    b"/api/portal/social/connections/\xc3\xa9": "control or non-ASCII byte",
    b"/api/portal/social/connections/a b": "control or non-ASCII byte",
    b"api/portal/social/connections": "must start with '/'",
    b"*": "must start with '/'",
}


@pytest.mark.parametrize("raw", list(ATTACKS), ids=[repr(raw) for raw in ATTACKS])
def test_a_path_that_could_change_meaning_is_refused_with_a_400(raw: bytes) -> None:
    with pytest.raises(RefusedPath) as refused:
        checked_path(raw)
    assert refused.value.status == 400
    assert ATTACKS[raw] in refused.value.reason


def test_over_long_paths_and_urls_are_refused_with_a_414() -> None:
    longest = b"/" + b"a" * (MAX_PATH_BYTES - 1)
    assert checked_path(longest) == longest.decode()
    with pytest.raises(RefusedPath) as path_refused:
        checked_path(longest + b"a")
    assert path_refused.value.status == 414 and "path longer than 2048" in path_refused.value.reason
    query = b"q=" + b"x" * (MAX_URL_BYTES - len(longest) - 2)  # path + query = 8192 bytes
    assert checked_path(longest, query) == longest.decode()
    with pytest.raises(RefusedPath) as url_refused:
        checked_path(longest, query + b"x")
    assert url_refused.value.status == 414 and "URL longer than 8192" in url_refused.value.reason


@pytest.mark.parametrize(
    ("path", "wire"),
    [
        ("/api/portal/social/connections", b"/api/portal/social/connections"),
        ("/api/admin/social/clients/a b/overview", b"/api/admin/social/clients/a%20b/overview"),
        ("/api/admin/social/clients/é/overview", b"/api/admin/social/clients/%C3%A9/overview"),
        ("/api/x/a:b@c;d=e,f+g!h$i&j'k(l)m*n~o", b"/api/x/a:b@c;d=e,f+g!h$i&j'k(l)m*n~o"),
        ("/api/x/a?b#c", b"/api/x/a%3Fb%23c"),  # never a query or fragment upstream
    ],
)
def test_the_checked_path_is_encoded_back_to_what_decodes_to_it(path: str, wire: bytes) -> None:
    assert encoded(path) == wire
    assert checked_path(wire) == path
