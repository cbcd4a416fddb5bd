"""One way to call a platform: rate-limited, classified errors, retries for transient ones only."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from aiolimiter import AsyncLimiter

from shared.platforms import Platform, capture
from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.config import PlatformSettings

Classifier = Callable[[httpx.Response], PlatformError]
#: Sees every answer (e.g. to read usage headers).
Observer = Callable[[httpx.Response], None]
#: Runs before every request; raises a PlatformError to refuse sending (e.g. usage near 100 %).
Gate = Callable[[], None]
#: Looks into a 2xx answer for an error some platforms put there (TikTok's envelope); the
#: error it returns is raised — and retried like any other when it is transient.
Inspector = Callable[[httpx.Response], PlatformError | None]


class AccountLimiters:
    """One rate limiter per account credential, least recently used dropped past ``capacity``.

    The platforms' published limits are mostly per user or account (X's 15-minute windows,
    Meta's per-account budgets, TikTok's per-token limits, LinkedIn's per-member quotas), so a
    single process-wide limiter sized to one account's budget would throttle every account to
    the pace of one. Requests without a user credential (token endpoints) share one limiter.
    """

    def __init__(self, requests_per_minute: int, capacity: int = 50_000) -> None:
        self.rate = max(1, requests_per_minute)
        self.capacity = capacity
        self._limiters: OrderedDict[str, AsyncLimiter] = OrderedDict()

    def of(self, request: dict[str, Any]) -> AsyncLimiter:
        key = _credential_key(request)
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = self._limiters[key] = AsyncLimiter(self.rate, 60)
            while len(self._limiters) > self.capacity:
                self._limiters.popitem(last=False)
        else:
            self._limiters.move_to_end(key)
        return limiter


def _credential_key(request: dict[str, Any]) -> str:
    """A digest of the request's user credential (bearer header or ``access_token`` param)."""
    headers = request.get("headers") or {}
    params = request.get("params") or {}
    credential = headers.get("Authorization") or headers.get("authorization")
    if credential is None and isinstance(params, dict):
        credential = params.get("access_token")
    if not credential:
        return "app"
    return hashlib.sha256(str(credential).encode()).hexdigest()[:32]


def _retryable(error: BaseException) -> bool:
    return isinstance(error, PlatformError) and error.error_class is ErrorClass.TRANSIENT


class PlatformHttp:
    """Sends requests for one platform; a non-2xx answer becomes a classified PlatformError."""

    def __init__(
        self,
        platform: Platform,
        client: httpx.AsyncClient,
        classify: Classifier,
        *,
        requests_per_minute: int,
        max_retries: int,
        timeout_seconds: float = 20.0,
        app_requests_per_minute: int | None = None,
        observe: Observer | None = None,
        gate: Gate | None = None,
        inspect: Inspector | None = None,
    ) -> None:
        self.platform = platform
        self.client = client
        self.classify = classify
        self.limiters = AccountLimiters(requests_per_minute)
        self.app_limiter = (
            AsyncLimiter(app_requests_per_minute, 60) if app_requests_per_minute else None
        )
        self.max_retries = max_retries
        self.timeout = httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds))
        self.calls = 0
        self.observe = observe
        self.gate = gate
        self.inspect = inspect

    @classmethod
    def from_settings(
        cls,
        platform: Platform,
        client: httpx.AsyncClient,
        classify: Classifier,
        settings: PlatformSettings,
        *,
        observe: Observer | None = None,
        gate: Gate | None = None,
        inspect: Inspector | None = None,
    ) -> PlatformHttp:
        """One with the rate limit, retries and timeout of a platform's settings."""
        return cls(
            platform,
            client,
            classify,
            requests_per_minute=settings.requests_per_minute,
            app_requests_per_minute=settings.app_requests_per_minute,
            max_retries=settings.max_retries,
            timeout_seconds=settings.timeout_seconds,
            observe=observe,
            gate=gate,
            inspect=inspect,
        )

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send; a transient failure is retried ``max_retries`` times with :func:`retry_wait`.

        A plain loop: setting a retry library up for every request (almost all succeed at once)
        was a measurable share of a sync's CPU.
        """
        attempt = 1
        while True:
            try:
                return await self._send(method, url, **kwargs)
            except PlatformError as error:
                if not _retryable(error) or attempt > self.max_retries:
                    raise
            await asyncio.sleep(retry_wait(attempt))
            attempt += 1

    async def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = await self.request(method, url, **kwargs)
        try:
            # orjson: parsing the answers was a tenth of a sync's CPU with the standard library.
            return orjson.loads(response.content)
        except ValueError as error:
            raise PlatformError(
                self.platform,
                ErrorClass.TRANSIENT,
                "answer is not JSON",
                status=response.status_code,
            ) from error

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if self.gate is not None:
            self.gate()
        async with self.limiters.of(kwargs), self.app_limiter or contextlib.nullcontext():
            self.calls += 1
            try:
                response = await self.client.request(method, url, timeout=self.timeout, **kwargs)
            except httpx.TimeoutException as error:
                raise PlatformError(self.platform, ErrorClass.TRANSIENT, "timeout") from error
            except httpx.TransportError as error:
                raise PlatformError(
                    self.platform,
                    ErrorClass.TRANSIENT,
                    f"connection failed: {type(error).__name__}",
                ) from error
        capture.record(response)
        if self.observe is not None:
            self.observe(response)
        if not response.is_success:
            raise self.classify(response)
        refusal = self.inspect(response) if self.inspect is not None else None
        if refusal is not None:
            raise refusal
        return response


def retry_wait(attempt: int) -> float:
    """Exponential backoff with jitter after failed attempt ``attempt``: 0.2 s, 0.4 s, 0.8 s …
    plus up to 1 s (so that many syncs failing together do not retry together), at most 5 s."""
    return float(min(5.0, 0.2 * 2 ** (attempt - 1) + random.uniform(0, 1)))


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
