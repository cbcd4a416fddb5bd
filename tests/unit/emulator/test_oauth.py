"""Instagram Login: consent dialog, code exchange, long-lived exchange and refresh."""

from datetime import date

import httpx
from fastapi import FastAPI

from emulator import EmulatorSettings
from tests.support.clock import TODAY
from tests.unit.emulator.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    GRAPH,
    REDIRECT_URI,
    SCOPES,
    approve,
    emulator,
    exchange_code,
    get_code,
    long_token,
    meta_error,
    query_of,
    short_token,
)

AUTHORIZE = "/www.instagram.com/oauth/authorize"


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": SCOPES,
        "state": "st-123",
    }
    params.update(overrides)
    return params


async def test_consent_page_lists_accounts_and_scopes(client: httpx.AsyncClient) -> None:
    response = await client.get(AUTHORIZE, params=authorize_params())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for account in ("steady_creator", "viral_vera", "new_nina", "personal_pat"):
        assert f'value="{account}"' in html
    assert "instagram_business_manage_insights" in html
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="deny"' in html
    assert 'method="post"' in html
    assert f'name="redirect_uri" value="{REDIRECT_URI}"' in html


async def test_consent_page_escapes_malicious_state(client: httpx.AsyncClient) -> None:
    evil = '"><script>alert(1)</script>'
    response = await client.get(AUTHORIZE, params=authorize_params(state=evil))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


async def test_authorize_rejects_bad_requests(client: httpx.AsyncClient) -> None:
    cases = [
        (authorize_params(client_id="someone-else"), "Invalid platform app"),
        ({k: v for k, v in authorize_params().items() if k != "redirect_uri"}, "redirect_uri"),
        (authorize_params(response_type="token"), "response_type"),
        (authorize_params(scope="business_basic,business_manage_insights"), "business_basic"),
        (authorize_params(scope="instagram_business_basic,user_media"), "user_media"),
    ]
    for params, fragment in cases:
        response = await client.get(AUTHORIZE, params=params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["error_type"] == "OAuthException"
        assert body["code"] == 400
        assert fragment in body["error_message"]


async def test_authorize_error_is_html_for_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get(
        AUTHORIZE,
        params=authorize_params(scope="business_basic"),
        headers={"accept": "text/html,application/xhtml+xml"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Invalid scope field(s): business_basic" in response.text


async def test_approve_redirects_with_code_and_state(client: httpx.AsyncClient) -> None:
    response = await approve(client, state="abc 123/+=")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert location.endswith("#_")
    query = query_of(location)
    assert query["state"] == "abc 123/+="
    assert query["code"].startswith("AQ")


async def test_deny_redirects_with_access_denied(client: httpx.AsyncClient) -> None:
    form = {**authorize_params(state="s1"), "account": "steady_creator", "decision": "deny"}
    response = await client.post(AUTHORIZE, data=form)
    assert response.status_code == 302
    assert response.headers["location"] == (
        f"{REDIRECT_URI}?error=access_denied&error_reason=user_denied"
        "&error_description=The+user+denied+your+request.&state=s1"
    )


async def test_approve_unknown_account_refused(client: httpx.AsyncClient) -> None:
    response = await approve(client, account="nobody")
    assert response.status_code == 400


async def test_full_code_short_long_exchange(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    response = await exchange_code(client, code)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "user_id", "permissions"}
    assert body["access_token"].startswith("IGAA")
    assert isinstance(body["user_id"], int)
    assert body["permissions"] == SCOPES
    me = await client.get(f"{GRAPH}/me", params={"access_token": body["access_token"]})
    assert me.status_code == 200
    assert me.json()["id"] == str(body["user_id"])

    exchanged = await client.get(
        "/graph.instagram.com/access_token",
        params={
            "grant_type": "ig_exchange_token",
            "client_secret": CLIENT_SECRET,
            "access_token": body["access_token"],
        },
    )
    assert exchanged.status_code == 200
    long_body = exchanged.json()
    assert long_body["token_type"] == "bearer"
    assert long_body["expires_in"] == 5184000
    assert long_body["access_token"].startswith("IGAA")
    assert long_body["access_token"] != body["access_token"]
    me = await client.get(
        f"{GRAPH}/me", headers={"Authorization": f"Bearer {long_body['access_token']}"}
    )
    assert me.status_code == 200


async def test_exchange_refuses_wrong_secret_and_long_tokens(client: httpx.AsyncClient) -> None:
    short = await short_token(client)
    wrong = await client.get(
        "/graph.instagram.com/access_token",
        params={"grant_type": "ig_exchange_token", "client_secret": "x", "access_token": short},
    )
    assert wrong.status_code == 400
    assert meta_error(wrong)["message"] == "Error validating client secret."
    long = await long_token(client)
    again = await client.get(
        "/graph.instagram.com/access_token",
        params={
            "grant_type": "ig_exchange_token",
            "client_secret": CLIENT_SECRET,
            "access_token": long,
        },
    )
    assert meta_error(again)["code"] == 100


async def test_code_is_single_use(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    assert (await exchange_code(client, code)).status_code == 200
    reused = await exchange_code(client, code)
    assert reused.status_code == 400
    assert reused.json() == {
        "error_type": "OAuthException",
        "code": 400,
        "error_message": "Invalid authorization code",
    }


async def test_code_with_fragment_suffix_is_accepted(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    assert (await exchange_code(client, code + "#_")).status_code == 200


async def test_redirect_uri_mismatch_refused(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    response = await exchange_code(client, code, redirect_uri=REDIRECT_URI + "/other")
    assert response.status_code == 400
    assert "redirect_uri is identical" in response.json()["error_message"]
    # A failed attempt does not burn the code.
    assert (await exchange_code(client, code)).status_code == 200


async def test_wrong_client_secret_and_garbage_code(client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    form = {
        "client_id": CLIENT_ID,
        "client_secret": "wrong",
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT_URI,
        "code": code,
    }
    response = await client.post("/api.instagram.com/oauth/access_token", data=form)
    assert response.json()["error_message"] == "Error validating client secret."
    garbage = await exchange_code(client, "AQ" + code[2:-4] + "AAAA")
    assert garbage.json()["error_message"] == "Invalid authorization code"


async def test_code_expires_after_ten_minutes(app: FastAPI, client: httpx.AsyncClient) -> None:
    code = await get_code(client)
    start = app.state.core.now()
    app.state.core.clock = lambda: start + 601
    response = await exchange_code(client, code)
    assert response.status_code == 400
    assert response.json()["error_message"] == "Invalid authorization code"


async def test_wrapped_response_and_permissions_list_variants() -> None:
    settings = EmulatorSettings(
        today=TODAY, instagram_token_response_wrapped=True, instagram_permissions_as_list=True
    )
    async with emulator(settings) as (_, client):
        response = await exchange_code(client, await get_code(client))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data"}
        (entry,) = body["data"]
        assert entry["permissions"] == SCOPES.split(",")
        assert entry["access_token"].startswith("IGAA")
        assert isinstance(entry["user_id"], int)


async def test_refresh_refused_when_token_too_young(client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    response = await client.get(
        "/graph.instagram.com/refresh_access_token",
        params={"grant_type": "ig_refresh_token", "access_token": token},
    )
    assert response.status_code == 400
    error = meta_error(response)
    assert error["code"] == 100
    assert "at least 86400 seconds old" in str(error["message"])


async def test_refresh_allowed_when_old_enough(app: FastAPI, client: httpx.AsyncClient) -> None:
    token = await long_token(client)
    start = app.state.core.now()
    app.state.core.clock = lambda: start + 86400 + 5
    response = await client.get(
        "/graph.instagram.com/refresh_access_token",
        params={"grant_type": "ig_refresh_token", "access_token": token},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5184000
    assert body["access_token"] != token
    me = await client.get(f"{GRAPH}/me", params={"access_token": body["access_token"]})
    assert me.status_code == 200


async def test_refresh_with_lowered_min_age_and_refusals() -> None:
    settings = EmulatorSettings(today=TODAY, instagram_min_refresh_age_s=0)
    async with emulator(settings) as (app, client):
        token = await long_token(client)
        url = "/graph.instagram.com/refresh_access_token"
        ok = await client.get(url, params={"grant_type": "ig_refresh_token", "access_token": token})
        assert ok.status_code == 200
        short = await short_token(client)
        refused = await client.get(
            url, params={"grant_type": "ig_refresh_token", "access_token": short}
        )
        assert meta_error(refused)["code"] == 100
        start = app.state.core.now()
        app.state.core.clock = lambda: start + 5184000 + 1
        expired = await client.get(
            url, params={"grant_type": "ig_refresh_token", "access_token": token}
        )
        error = meta_error(expired)
        assert (error["code"], error["error_subcode"]) == (190, 463)


async def test_short_token_expires_after_an_hour(app: FastAPI, client: httpx.AsyncClient) -> None:
    token = await short_token(client)
    start = app.state.core.now()
    app.state.core.clock = lambda: start + 3601
    response = await client.get(f"{GRAPH}/me", params={"access_token": token})
    error = meta_error(response)
    assert (error["code"], error["error_subcode"]) == (190, 463)
    assert str(error["message"]).startswith("Error validating access token: Session has expired on")


async def test_invalid_and_missing_tokens(client: httpx.AsyncClient) -> None:
    bad = await client.get(f"{GRAPH}/me", params={"access_token": "IGAAnot-a-real-token"})
    assert bad.status_code == 400
    error = meta_error(bad)
    assert error["code"] == 190
    assert error["message"] == "Invalid OAuth access token - Cannot parse access token"
    assert "error_subcode" not in error
    token = await long_token(client)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert (
        meta_error(await client.get(f"{GRAPH}/me", params={"access_token": tampered}))["code"]
        == 190
    )
    missing = await client.get(f"{GRAPH}/me")
    assert meta_error(missing)["code"] == 2500


async def test_tokens_survive_restart_with_same_key() -> None:
    settings = EmulatorSettings(today=date(2026, 11, 20))
    async with emulator(settings) as (_, first):
        token = await long_token(first)
    async with emulator(settings) as (_, second):
        response = await second.get(f"{GRAPH}/me", params={"access_token": token})
        assert response.status_code == 200
    async with emulator(EmulatorSettings(today=TODAY, signing_key="other")) as (_, third):
        response = await third.get(f"{GRAPH}/me", params={"access_token": token})
        assert meta_error(response)["code"] == 190
