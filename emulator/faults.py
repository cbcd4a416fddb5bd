"""Injected faults (rate limits, outages, dead tokens, retired metrics, latency), platform-neutral.

Tests and benchmarks add faults over ``/_emulator/faults``; each platform asks this store what to
break. Counted faults (``count``) fire for that many calls and then disappear; the others stay
until ``DELETE /_emulator/faults``.
"""

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

FaultKind = Literal[
    "rate_limit",
    "server_error",
    "expire_tokens",
    "revoke",
    "retire_metric",
    "latency",
    "quota_exhausted",
    "business_conversion",
]
"""``quota_exhausted``: a daily quota is used up (YouTube's 403 ``quotaExceeded``) until reset.
``business_conversion``: ``account`` became a business account on ``converted_on``; Meta gives
its earlier posts no insights (and refuses a request that nests theirs as a whole)."""

COUNTED_KINDS: frozenset[str] = frozenset({"rate_limit", "server_error"})
"""Kinds that default to firing once when no ``count`` is given."""


class FaultSpec(BaseModel):
    """A fault as posted by a test: which platform, what kind, and its parameters."""

    platform: str
    kind: FaultKind
    count: int | None = Field(default=None, ge=1)
    account: str | None = None
    metric: str | None = None
    retry_after: int | None = Field(default=None, ge=0)
    latency_ms: float | None = Field(default=None, ge=0)
    converted_on: date | None = None

    @model_validator(mode="after")
    def _check_required(self) -> "FaultSpec":
        """Refuse faults that could never fire, so a test typo fails loudly."""
        if self.kind in {"expire_tokens", "revoke"} and not self.account:
            raise ValueError(f"{self.kind} needs 'account'")
        if self.kind == "retire_metric" and not self.metric:
            raise ValueError("retire_metric needs 'metric'")
        if self.kind == "latency" and self.latency_ms is None:
            raise ValueError("latency needs 'latency_ms'")
        if self.kind == "business_conversion" and not (self.account and self.converted_on):
            raise ValueError("business_conversion needs 'account' and 'converted_on'")
        return self


@dataclass
class Fault:
    """An active fault; ``remaining`` is ``None`` for faults that last until cleared."""

    id: int
    spec: FaultSpec
    created_at: float
    remaining: int | None

    def to_json(self) -> dict[str, object]:
        """Shape returned by ``GET /_emulator/faults``."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "remaining": self.remaining,
            **self.spec.model_dump(exclude_none=True),
        }

    def retry_after_headers(self) -> dict[str, str]:
        """``Retry-After`` when the fault names a wait, else no header."""
        if self.spec.retry_after is None:
            return {}
        return {"Retry-After": str(self.spec.retry_after)}


class FaultStore:
    """In-memory list of active faults (per app instance)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: FaultSpec, now: float) -> Fault:
        """Activate a fault; counted kinds default to one call."""
        remaining = spec.count
        if remaining is None and spec.kind in COUNTED_KINDS:
            remaining = 1
        fault = Fault(id=next(self._ids), spec=spec, created_at=now, remaining=remaining)
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def snapshot(self) -> list[Fault]:
        """All active faults, oldest first."""
        return list(self._faults)

    def _matches(self, fault: Fault, platform: str, kind: str, account: str | None) -> bool:
        spec = fault.spec
        if spec.platform != platform or spec.kind != kind:
            return False
        return spec.account is None or spec.account == account

    def _consume(self, fault: Fault) -> None:
        if fault.remaining is None:
            return
        fault.remaining -= 1
        if fault.remaining <= 0:
            self._faults.remove(fault)

    def take(self, platform: str, kinds: tuple[str, ...], account: str | None) -> Fault | None:
        """Fire (and count down) the oldest matching call-level fault, if any."""
        if not self._faults:  # every call asks: the common case stays cheap
            return None
        for fault in self._faults:
            if any(self._matches(fault, platform, kind, account) for kind in kinds):
                self._consume(fault)
                return fault
        return None

    def account_fault_since(self, platform: str, kind: str, account: str) -> float | None:
        """Earliest time a token-killing fault hit ``account``; tokens issued later still work."""
        if not self._faults:
            return None
        times = [
            f.created_at
            for f in self._faults
            if f.spec.platform == platform and f.spec.kind == kind and f.spec.account == account
        ]
        return min(times) if times else None

    def retired_metrics(self, platform: str) -> set[str]:
        """Metric names retired through faults for ``platform``."""
        if not self._faults:
            return set()
        return {
            f.spec.metric
            for f in self._faults
            if f.spec.platform == platform and f.spec.kind == "retire_metric" and f.spec.metric
        }

    def converted_on(self, platform: str, account: str) -> date | None:
        """The latest day ``account`` became a business account (``business_conversion``): Meta
        refuses insights of the posts published before its most recent conversion."""
        if not self._faults:
            return None
        days = [
            f.spec.converted_on
            for f in self._faults
            if f.spec.platform == platform
            and f.spec.kind == "business_conversion"
            and f.spec.account == account
            and f.spec.converted_on is not None
        ]
        return max(days) if days else None

    def extra_latency_ms(self, platform: str) -> float:
        """Sum of latency faults for ``platform``; counted ones are used up by this call."""
        if not self._faults:
            return 0.0
        total = 0.0
        for fault in list(self._faults):
            if fault.spec.platform == platform and fault.spec.kind == "latency":
                total += fault.spec.latency_ms or 0.0
                self._consume(fault)
        return total
