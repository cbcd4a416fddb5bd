"""Raw answers captured during a sync: kept per task, credentials never kept."""

from __future__ import annotations

import httpx

from shared.platforms.capture import capturing, record


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
