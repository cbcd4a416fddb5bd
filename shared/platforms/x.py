"""X API v2: OAuth 2.0 with PKCE, rotating refresh tokens, profile counters and recent posts.

Quirks handled here (see docs/platforms.md):

* PKCE (S256) is required; confidential clients authenticate to the token and revoke endpoints
  with HTTP Basic. Access tokens live 2 h (read from ``expires_in``); with ``offline.access`` a
  refresh returns a new access token *and* a new refresh token, and refresh tokens are single-use:
  presenting a used one (or any older one) kills the chain → ``reauth_required``;
* errors are problem+json (``type`` ``…/problems/<kind>``); a 401 says nothing about why, so it is
  ``token_expired`` (refresh, then retry once; a dead refresh token then says ``reauth``);
  429 carries ``x-rate-limit-reset`` (epoch seconds), and the monthly pay-per-use cap answers 429
  ``usage-capped``. Some refusals arrive with HTTP 200: a user the token may not see (``errors``
  without ``data``), or one field of some posts (``not-authorized-for-field``, e.g.
  ``non_public_metrics`` of posts older than 30 days);
* pay-per-use pricing bills every Post read, so one sync is two calls: ``/2/users/me`` and one
  page of up to 100 posts (``Settings.max_pages`` pages at most). Field lists go through
  :mod:`shared.platforms.resilience`: a field X refuses (400 ``invalid-request`` naming it) is
  dropped, remembered per account and reported, at the cost of one extra call, once;
* protected accounts: the owner's own token reads its own timeline like any other (that is
  the only timeline we read, the one of ``/2/users/me``); another user's protected timeline
  answers 200 with ``not-authorized-for-resource`` → ``permission_or_input``;
* X gives no daily history: what we store every day is the history.

Engagement per post = (likes + replies + retweets + quotes + bookmarks) / followers at fetch
time x 100; the account's rate is the mean over the recent posts. Impressions are the posts'
``views``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared import clock
from shared.events.snapshots import ContentItem, SnapshotMetrics
from shared.platforms import Platform
from shared.platforms.base import (
    AccountIdentity,
    ErrorClass,
    HistoryPoint,
    PlatformError,
    RefreshPolicy,
    TokenGrant,
    engagement_rate,
    int_or_none,
    mean_rate,
)
from shared.platforms.config import PlatformSettings, via_emulator
from shared.platforms.http import PlatformHttp
from shared.platforms.resilience import RefusedMetrics, fetch_metrics

PLATFORM = Platform.X
DEV_CLIENT_SECRET = "lsa-dev-x-secret"  # noqa: S105  (the emulator's demo secret)
USER_BASE_FIELDS = ("id", "name", "username", "protected", "verified")
USER_METRIC_FIELDS = ("public_metrics",)
TWEET_BASE_FIELDS = ("created_at",)
TWEET_METRIC_FIELDS = ("public_metrics", "non_public_metrics")
ENGAGEMENT_FORMULA = (
    "(likes + replies + retweets + quotes + bookmarks) / followers at fetch time * 100 per post; "
    "account = mean of recent posts"
)
#: One 15-minute window: the wait when a 429 carries no ``x-rate-limit-reset``.
DEFAULT_RATE_LIMIT_WAIT = 900.0
#: The monthly cap resets with the billing cycle; without a reset header, look again in a day.
DEFAULT_USAGE_CAP_WAIT = 86_400.0
_REFRESH_DEAD = frozenset({"invalid_request", "invalid_grant"})
_RESOURCE_REFUSALS = frozenset({"not-authorized-for-resource", "resource-not-found"})

Clock = Callable[[], float]


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_X_", extra="ignore")

    client_id: str = "lsa-dev-x-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    #: ``https://twitter.com/i/oauth2/authorize`` is the older host of the same page.
    authorize_url: str = "https://x.com/i/oauth2/authorize"
    token_url: str = "https://api.x.com/2/oauth2/token"  # noqa: S105
    revoke_url: str = "https://api.x.com/2/oauth2/revoke"
    api_url: str = "https://api.x.com/2"
    scopes: str = "tweet.read users.read offline.access"
    #: X's per-app ceiling on the user Posts timeline is 10,000 / 15 min (~666/min); per-user
    #: ceilings (75 / 15 min on /2/users/me, 900 / 15 min on timelines) are far above the two
    #: calls of one account's daily sync. 300/min keeps one replica well inside both.
    requests_per_minute: int = 300
    #: Pay-per-use bills every Post read: one page of the maximum size X allows (5-100) ...
    page_size: int = 100
    #: ... and no second page unless configured.
    max_pages: int = 1
    #: Only the creator's own posts: reposts and replies are someone else's conversation.
    exclude: str = "retweets,replies"


class XApiError(PlatformError):
    """A classified X error that also keeps the problem kind and the parameter values named."""

    def __init__(
        self,
        error_class: ErrorClass,
        message: str,
        *,
        status: int | None = None,
        problem: str | None = None,
        parameters: dict[str, list[str]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            PLATFORM, error_class, message, status=status, code=problem, retry_after=retry_after
        )
        self.problem = problem
        self.parameters = parameters or {}

    def refused_values(self, parameter: str) -> set[str]:
        """Values of ``parameter`` an ``invalid-request`` named (e.g. a retired field)."""
        if self.problem != "invalid-request":
            return set()
        return set(self.parameters.get(parameter, ()))


class _Escalated(Exception):
    """Carries a refusal of the whole call (not of a field) past the per-field fallback."""

    def __init__(self, error: PlatformError) -> None:
        super().__init__(str(error))
        self.error = error


Objects = list[dict[str, Any]]
Call = Callable[[Sequence[str]], Awaitable[tuple[Objects, Objects]]]


class XClient:
    platform = PLATFORM
    supports_pkce = True
    #: 2-hour access tokens; single-use refresh tokens that rotate on every refresh.
    refresh_policy = RefreshPolicy()

    def __init__(
        self, settings: Settings, client: httpx.AsyncClient, *, emulator_url: str | None = None
    ) -> None:
        self.settings = settings
        self.authorize_endpoint = via_emulator(settings.authorize_url, emulator_url)
        self.token_endpoint = via_emulator(settings.token_url, emulator_url)
        self.revoke_endpoint = via_emulator(settings.revoke_url, emulator_url)
        self.api = via_emulator(settings.api_url, emulator_url).rstrip("/")
        #: Wall clock for turning ``x-rate-limit-reset`` into a wait; tests replace it.
        self.clock: Clock = clock.timestamp
        self.http = PlatformHttp.from_settings(
            PLATFORM,
            client,
            lambda response: classify(response, now=self.clock()),
            settings,
        )
        self.refused = RefusedMetrics()

    # --- OAuth -------------------------------------------------------------------------------

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None = None
    ) -> str:
        if not code_challenge:
            raise ValueError("X requires PKCE: pass the S256 code_challenge")
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.settings.scopes,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.authorize_endpoint}?{urlencode(query)}"

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> TokenGrant:
        if not code_verifier:
            raise ValueError("X requires PKCE: pass the code_verifier")
        body = await self._token_call(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )
        return token_grant(body)

    async def refresh(self, *, access_token: str, refresh_token: str | None) -> TokenGrant:
        """A new access token and a new refresh token: store the new refresh token at once."""
        if not refresh_token:
            raise PlatformError(
                PLATFORM, ErrorClass.REAUTH_REQUIRED, "no refresh token (offline.access missing)"
            )
        try:
            body = await self._token_call(
                {"grant_type": "refresh_token", "refresh_token": refresh_token}
            )
        except XApiError as error:
            if error.status == 400 and error.problem in _REFRESH_DEAD:
                raise XApiError(
                    ErrorClass.REAUTH_REQUIRED,
                    f"refresh token refused: {error.message}",
                    status=error.status,
                    problem=error.problem,
                ) from error
            raise
        return token_grant(body)

    async def revoke(self, *, access_token: str, refresh_token: str | None = None) -> bool:
        """Revoke the refresh token (ending the grant) and the access token."""
        tokens = [(refresh_token, "refresh_token"), (access_token, "access_token")]
        for token, hint in tokens:
            if token:
                await self.http.json(
                    "POST",
                    self.revoke_endpoint,
                    data={"token": token, "token_type_hint": hint, **self._client_id_field()},
                    auth=self._client_auth(),
                )
        return True

    async def _token_call(self, form: dict[str, str]) -> dict[str, Any]:
        body = await self.http.json(
            "POST",
            self.token_endpoint,
            data={**form, **self._client_id_field()},
            auth=self._client_auth(),
        )
        if not isinstance(body, dict) or "access_token" not in body:
            raise PlatformError(PLATFORM, ErrorClass.TRANSIENT, "token answer without access_token")
        return body

    def _client_auth(self) -> httpx.BasicAuth | None:
        """Confidential clients use Basic auth; public clients (no secret) only send client_id."""
        secret = self.settings.client_secret.get_secret_value()
        return httpx.BasicAuth(self.settings.client_id, secret) if secret else None

    def _client_id_field(self) -> dict[str, str]:
        return {"client_id": self.settings.client_id}

    # --- Data --------------------------------------------------------------------------------

    async def _get(self, path: str, token: str, params: dict[str, Any]) -> Any:
        return await self.http.json(
            "GET",
            f"{self.api}/{path.lstrip('/')}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def identity(self, access_token: str) -> AccountIdentity:
        body = await self._get("users/me", access_token, {"user.fields": "id,name,username"})
        me = _data_object(body)
        return AccountIdentity(
            platform_user_id=str(me["id"]),
            username=str(me.get("username") or me["id"]),
            display_name=me.get("name"),
        )

    async def fetch_snapshot(self, access_token: str, *, account_id: str) -> SnapshotMetrics:
        me, refused_user, _ = await self._with_fields(
            USER_METRIC_FIELDS, f"{account_id}:user", "user.fields", self._me_call(access_token)
        )
        user = me[0] if me else {}
        metrics = user.get("public_metrics") or {}
        followers = int_or_none(metrics.get("followers_count"))
        user_id = str(user.get("id") or account_id)
        tweets, refused_tweets, partial = await self._with_fields(
            TWEET_METRIC_FIELDS,
            f"{account_id}:tweet",
            "tweet.fields",
            self._timeline_call(access_token, user_id),
        )
        username = str(user.get("username") or "i")  # x.com/i/status/<id> needs no name
        items = [post_item(t, followers, username) for t in tweets]
        refused = {f"user.{name}" for name in refused_user}
        refused |= {f"tweet.{name}" for name in refused_tweets}
        refused |= {f"tweet.{name}" for name in refused_everywhere(partial, tweets)}
        return SnapshotMetrics(
            followers=followers,
            following=int_or_none(metrics.get("following_count")),
            posts=int_or_none(metrics.get("tweet_count")),
            engagement_rate=mean_rate(items),
            engagement_formula=ENGAGEMENT_FORMULA,
            platform_metrics=account_metrics(metrics, tweets),
            recent_items=items,
            missing_metrics=sorted(refused),
        )

    async def fetch_history(
        self, access_token: str, *, account_id: str, days: int
    ) -> list[HistoryPoint]:
        """X keeps no daily account history: the snapshots we store are the history."""
        return []

    def _me_call(self, token: str) -> Call:
        async def call(fields: Sequence[str]) -> tuple[Objects, Objects]:
            params = {"user.fields": ",".join([*USER_BASE_FIELDS, *fields])}
            return [_data_object(await self._get("users/me", token, params))], []

        return call

    def _timeline_call(self, token: str, user_id: str) -> Call:
        """Newest posts, ``max_pages`` pages of ``page_size`` at most; partial errors kept."""
        size = max(5, min(100, self.settings.page_size))

        async def call(fields: Sequence[str]) -> tuple[Objects, Objects]:
            params: dict[str, Any] = {
                "max_results": size,
                "tweet.fields": ",".join([*TWEET_BASE_FIELDS, *fields]),
            }
            if self.settings.exclude:
                params["exclude"] = self.settings.exclude
            posts: Objects = []
            errors: Objects = []
            for _ in range(max(1, self.settings.max_pages)):
                page = await self._get(f"users/{user_id}/tweets", token, params)
                _raise_resource_refusal(page)
                posts.extend(page.get("data") or [])
                errors.extend(e for e in page.get("errors") or [] if isinstance(e, dict))
                next_token = (page.get("meta") or {}).get("next_token")
                if not next_token:
                    break
                params = {**params, "pagination_token": next_token}
            return posts, errors

        return call

    async def _with_fields(
        self, names: Sequence[str], account: str, parameter: str, call: Call
    ) -> tuple[Objects, list[str], Objects]:
        """Objects asked with the metric fields ``names``; the fields refused; partial errors.

        A 400 naming fields drops just those (remembered per account, never asked again) and
        asks once more; anything else refusing the whole call is raised as it is.
        """
        merged: dict[str, dict[str, Any]] = {}
        partial: Objects = []
        answered = False

        async def attempt(wanted: Sequence[str]) -> dict[str, bool]:
            nonlocal answered
            asked = list(wanted)
            while True:
                try:
                    objects, errors = await call(asked)
                except XApiError as error:
                    dropped = error.refused_values(parameter) & set(asked)
                    if dropped:
                        self.refused.add(account, sorted(dropped))
                        asked = [name for name in asked if name not in dropped]
                        continue
                    if error.problem != "invalid-request":
                        raise _Escalated(error) from error
                    raise  # refused without naming a field: resilience asks one by one
                except PlatformError as error:
                    raise _Escalated(error) from error
                answered = True
                _merge(merged, objects)
                partial.extend(errors)
                return dict.fromkeys(asked, True)

        try:
            granted, _ = await fetch_metrics(names, attempt, account=account, memory=self.refused)
            if not answered:  # every field was refused before: still list the objects
                await attempt([])
        except _Escalated as escalated:
            raise escalated.error from None
        return list(merged.values()), [n for n in names if n not in granted], partial


def build(
    http: httpx.AsyncClient, *, emulator_url: str | None, settings: Settings | None = None
) -> XClient:
    return XClient(settings or Settings(), http, emulator_url=emulator_url)


# --- Errors ------------------------------------------------------------------------------------


def classify(response: httpx.Response, *, now: float) -> XApiError:
    """Map a failed X answer (problem+json, OAuth or legacy v1.1 shape) to an error class."""
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    if isinstance(body.get("error"), str):  # the OAuth endpoints' {"error", "error_description"}
        return _oauth_error(status, body, response, now)
    problem = problem_kind(body)
    message = _message(body) or f"HTTP {status}"
    parameters = _parameters(body)
    if status == 429 or problem in ("usage-capped", "rate-limit-exceeded"):
        default = DEFAULT_USAGE_CAP_WAIT if problem == "usage-capped" else DEFAULT_RATE_LIMIT_WAIT
        return _rate_limited(response, now, message, problem, default)
    if status >= 500:
        kind = ErrorClass.TRANSIENT
    elif status == 401:
        kind = ErrorClass.TOKEN_EXPIRED
    else:
        kind = ErrorClass.PERMISSION_OR_INPUT
    return XApiError(kind, message, status=status, problem=problem, parameters=parameters)


def _oauth_error(
    status: int, body: dict[str, Any], response: httpx.Response, now: float
) -> XApiError:
    error = str(body["error"])
    message = str(body.get("error_description") or error)
    if status == 429:
        return _rate_limited(response, now, message, error, DEFAULT_RATE_LIMIT_WAIT)
    kind = ErrorClass.TRANSIENT if status >= 500 else ErrorClass.PERMISSION_OR_INPUT
    return XApiError(kind, message, status=status, problem=error)


def _rate_limited(
    response: httpx.Response, now: float, message: str, problem: str | None, default: float
) -> XApiError:
    """Rate limited until ``x-rate-limit-reset``, or for ``default`` seconds without one."""
    wait = reset_wait(response, now)
    return XApiError(
        ErrorClass.RATE_LIMITED,
        message,
        status=response.status_code,
        problem=problem,
        retry_after=default if wait is None else wait,
    )


def reset_wait(response: httpx.Response, now: float) -> float | None:
    """Seconds until ``x-rate-limit-reset`` (epoch seconds), never negative."""
    raw = response.headers.get("x-rate-limit-reset")
    try:
        return max(0.0, float(raw) - now) if raw is not None else None
    except ValueError:
        return None


def problem_kind(body: dict[str, Any]) -> str | None:
    """``https://api.x.com/2/problems/usage-capped`` → ``usage-capped`` (either host)."""
    kind = body.get("type")
    if not kind:
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        kind = first.get("type") if isinstance(first, dict) else None
        if kind is None and isinstance(first, dict) and first.get("code") == 88:
            return "rate-limit-exceeded"  # the legacy v1.1 shape
    if not isinstance(kind, str):
        return None
    return kind.rsplit("/problems/", 1)[-1] if "/problems/" in kind else kind


def _message(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else {}
    detail = first.get("message") if isinstance(first, dict) else None
    return str(detail or body.get("detail") or body.get("title") or "")


def _parameters(body: dict[str, Any]) -> dict[str, list[str]]:
    named: dict[str, list[str]] = {}
    for entry in body.get("errors") or []:
        parameters = entry.get("parameters") if isinstance(entry, dict) else None
        for name, values in (parameters or {}).items():
            listed = values if isinstance(values, list) else [values]
            for value in listed:  # X sometimes sends "a,b" as one value
                named.setdefault(str(name), []).extend(str(value).split(","))
    return named


def _raise_resource_refusal(page: Any) -> None:
    """HTTP 200 with ``errors`` and no ``data``: the user is not visible to this token."""
    if not isinstance(page, dict) or page.get("data") is not None:
        return
    errors = [e for e in page.get("errors") or [] if isinstance(e, dict)]
    kinds = {problem_kind(e) for e in errors}
    if kinds & _RESOURCE_REFUSALS:
        first = errors[0]
        raise XApiError(
            ErrorClass.PERMISSION_OR_INPUT,
            str(first.get("detail") or first.get("title")),
            status=200,
            problem=problem_kind(first),
        )


def _data_object(body: Any) -> dict[str, Any]:
    _raise_resource_refusal(body)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or "id" not in data:
        raise XApiError(ErrorClass.TRANSIENT, "answer without data.id")
    return data


# --- Mapping -----------------------------------------------------------------------------------


def token_grant(body: dict[str, Any]) -> TokenGrant:
    scope = body.get("scope")
    return TokenGrant(
        access_token=str(body["access_token"]),
        expires_in=int_or_none(body.get("expires_in")),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        scopes=tuple(str(scope).split()) if scope else (),
    )


def post_item(post: dict[str, Any], followers: int | None, username: str) -> ContentItem:
    public = post.get("public_metrics") or {}
    private = post.get("non_public_metrics") or {}
    likes = int_or_none(public.get("like_count"))
    replies = int_or_none(public.get("reply_count"))
    retweets = int_or_none(public.get("retweet_count"))
    quotes = int_or_none(public.get("quote_count"))
    bookmarks = int_or_none(public.get("bookmark_count"))
    impressions = int_or_none(public.get("impression_count"))
    if impressions is None:
        impressions = int_or_none(private.get("impression_count"))
    counted = (likes, replies, retweets, quotes, bookmarks)
    shares = None if retweets is None and quotes is None else (retweets or 0) + (quotes or 0)
    text = post.get("text")
    return ContentItem(
        item_id=str(post["id"]),
        kind="post",
        published_at=parse_x_time(post.get("created_at")),
        url=f"https://x.com/{username}/status/{post['id']}",
        caption=str(text)[:2200] if text else None,
        views=impressions,
        likes=likes,
        comments=replies,
        shares=shares,
        saves=bookmarks,
        engagement_rate=(
            engagement_rate(sum(v or 0 for v in counted), followers)
            if any(v is not None for v in counted)
            else None
        ),
    )


def account_metrics(user_metrics: dict[str, Any], posts: Objects) -> dict[str, float]:
    """What only X has: lists, likes given, and the recent posts' private click counts."""
    values: dict[str, float] = {}
    for name in ("listed_count", "like_count"):
        number = int_or_none(user_metrics.get(name))
        if number is not None:
            values[name] = float(number)
    private = [
        p["non_public_metrics"] for p in posts if isinstance(p.get("non_public_metrics"), dict)
    ]
    for name in ("url_link_clicks", "user_profile_clicks"):
        numbers = [int_or_none(m.get(name)) for m in private]
        known = [n for n in numbers if n is not None]
        if known:
            values[f"recent_{name}"] = float(sum(known))
    return values


def refused_everywhere(partial: Objects, posts: Objects) -> set[str]:
    """Fields X refused per post (HTTP 200 partial errors) that no returned post carries.

    ``non_public_metrics`` is refused for posts older than 30 days as a rule: only when not a
    single post got it is it a missing metric rather than an old post's normal state.
    """
    refused = {
        str(e["field"]).split(".", 1)[0]
        for e in partial
        if problem_kind(e) == "not-authorized-for-field" and e.get("field")
    }
    return {field for field in refused if not any(field in post for post in posts)}


def _merge(merged: dict[str, dict[str, Any]], objects: Objects) -> None:
    for obj in objects:
        merged.setdefault(str(obj.get("id")), {}).update(obj)


def parse_x_time(value: Any) -> datetime | None:
    """``2026-11-19T14:03:11.000Z`` → an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
