"""Raw answers captured during a sync: kept per task, credentials never kept."""

from __future__ import annotations

import httpx

from shared.platforms.capture import capturing, might_hold_secret, record
from shared.redaction import redact_text


def answer(url: str, body: str) -> httpx.Response:
    return httpx.Response(200, text=body, request=httpx.Request("GET", url))


def test_answers_are_captured_and_credentials_masked() -> None:
    with capturing() as answers:
        record(answer("https://graph.instagram.com/me?access_token=IGAAsecret1", '{"id": "1"}'))
        record(answer("https://api.test/x", '{"access_token": "IGAAsecret2", "n": 1}'))
    assert len(answers) == 2
    assert "IGAAsecret1" not in answers[0]["url"]
    assert answers[0]["body"] == '{"id": "1"}'  # nothing secret-looking: kept verbatim
    assert "IGAAsecret2" not in answers[1]["body"] and '"n": 1' in answers[1]["body"]


def test_bearer_credentials_in_bodies_are_masked() -> None:
    with capturing() as answers:
        record(answer("https://api.test/x", "echo: Authorization: Bearer abcdef123456"))
    assert "abcdef123456" not in answers[0]["body"]


def test_nothing_is_kept_outside_a_capture() -> None:
    record(answer("https://api.test/x", "{}"))  # no capture open: a no-op
    with capturing() as answers:
        pass
    assert answers == []


SECRET_BEARING = [
    "https://graph.facebook.com/v21.0/1/posts?access_token=EAAsecret&after=x",
    '{"paging": {"next": "https://x.test/?ACCESS_TOKEN=EAAsecret"}}',
    '{"data": [{"id": "1", "access_token": "EAAsecret"}]}',
    '{"token": "EAAsecret"}',
    "{'refresh_token': 'EAAsecret'}",
    '{\\"client_secret\\": \\"EAAsecret\\"}',
    "grant_type=authorization_code&code=EAAsecret",
    "input_token=EAAsecret&x=1",
    "Authorization: Basic EAAsecretEAAsecret",
    '{"password": "EAAsecret"}',
]


def test_the_pre_check_lets_every_credential_through_to_redaction() -> None:
    """The cheap pre-check may say yes too often, never too rarely."""
    for text in SECRET_BEARING:
        assert redact_text(text) != text, text  # a credential redact_text masks …
        assert might_hold_secret(text), text  # … is always seen by the pre-check


def test_pagination_cursors_are_not_mistaken_for_credentials() -> None:
    body = '{"data": [], "meta": {"next_token": "7140dibdnow9c7"}, "nextPageToken": "CAUQAA"}'
    assert not might_hold_secret(body)
    with capturing() as answers:
        record(answer("https://api.test/x", body))
    assert answers[0]["body"] == body
