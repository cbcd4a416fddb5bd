"""The portfolio's caches: whole answers by their inputs' :class:`Version`, and per
combination each client's figures and correlation part by that client's own inputs."""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime

from services.analytics.domain import portfolio as plain
from services.analytics.domain.correlation import (
    ClientLifts,
)
from services.analytics.domain.signals import DEFAULT_CONFIG, SignalConfig


@dataclass(frozen=True)
class Version:
    """What every figure is computed from, short of the daily rows themselves."""

    connections: tuple[tuple[uuid.UUID, str, str, str, int, datetime], ...]
    """(connection, client, platform, status, revision, connected_at) of every account."""
    completions: tuple[tuple[str, str, str, date, date], ...]
    """(client, code, title, due_on, completed_on) of every completed, live deliverable."""
    names: tuple[tuple[str, str], ...]


class AnswerCache:
    """The last few answers by key; the key carries the inputs' :class:`Version`."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._answers: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable) -> object | None:
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def put(self, key: Hashable, answer: object) -> None:
        self._answers[key] = answer
        self._answers.move_to_end(key)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)


AccountsKey = tuple[tuple[uuid.UUID, str, str, int, datetime], ...]
"""(connection, platform, status, revision, connected_at) of a client's accounts counted."""
ClientKey = tuple[AccountsKey, tuple[tuple[str, str, date, date], ...]]
"""A client's own correlation inputs: its accounts, and (code, title, due_on, completed_on) of
its completed deliverables."""


@dataclass(frozen=True)
class ClientFigures:
    """What the portfolio needs of one client, from its own accounts' rows only."""

    accounts: tuple[plain.Account, ...]
    growth_30d: plain.Growth
    growth_90d: plain.Growth
    attention: tuple[plain.Attention, ...]


@dataclass
class Combination:
    """The kept per-client figures and correlation parts of one (today, platform, days,
    config), and the lock that makes one request compute them while the others wait."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    figures: dict[str, tuple[AccountsKey, ClientFigures]] = field(default_factory=dict)
    parts: dict[str, tuple[ClientKey, ClientLifts]] = field(default_factory=dict)


class PortfolioCache:
    """Answers by :class:`Version` and, per combination, each client's figures and part.

    Memory is bounded: ``answers`` whole answers (LRU); ``combinations`` (platform, days,
    config) of today (LRU; another day's are dropped), each holding per client of its portfolio
    a few accounts, two growths, its attention reasons and, with a completed deliverable, a few
    lifts and at most the placebo days of its correlation part.
    """

    def __init__(self, answers: int = 32, combinations: int = 8) -> None:
        self.answers = AnswerCache(answers)
        self._size = combinations
        self._combinations: OrderedDict[tuple[date, str | None, int, SignalConfig], Combination] = (
            OrderedDict()
        )

    def combination(
        self, today: date, platform: str | None, days: int, config: SignalConfig = DEFAULT_CONFIG
    ) -> Combination:
        for key in [k for k in self._combinations if k[0] != today]:
            del self._combinations[key]
        key = (today, platform, days, config)
        found = self._combinations.get(key)
        if found is None:
            found = self._combinations[key] = Combination()
        self._combinations.move_to_end(key)
        while len(self._combinations) > self._size:
            self._combinations.popitem(last=False)
        return found
