"""Shared runtime state of one emulator instance: settings, clock, faults and the metrics date.

Also the two tools every platform uses to answer cheaply (the emulator shares the benchmark
machine with the system under test, so its CPU per request matters): :func:`json_bytes` renders
JSON exactly as :class:`starlette.responses.JSONResponse` does, only faster, and :class:`Memo`
keeps answers that are pure functions of their inputs (the metrics of a day do not change
during that day).
"""

import json
import math
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import orjson
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse, Response

from emulator.faults import FaultStore
from emulator.settings import EmulatorSettings
from emulator.signing import Signer
from shared import clock

V = TypeVar("V")

JSON_MEDIA_TYPE = "application/json"


def json_bytes(content: Any) -> bytes:
    """``content`` as compact UTF-8 JSON, byte for byte what ``JSONResponse`` renders.

    orjson writes the same bytes as ``json.dumps(ensure_ascii=False, separators=(",", ":"))``
    for everything the emulator answers with (strings, ints, dicts, lists, floats >= 1e-4 — it
    writes ``0.000015`` where ``json`` writes ``1.5e-05``, and no answer carries such a float).
    What orjson refuses (ints beyond 64 bits, non-string keys) goes through ``json``.
    """
    try:
        return orjson.dumps(content)
    except TypeError:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode("utf-8")


class FastJSONResponse(JSONResponse):
    """A ``JSONResponse`` (same bytes, same headers) rendered by :func:`json_bytes`."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


def raw_json_response(
    body: bytes,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str = JSON_MEDIA_TYPE,
    background: BackgroundTask | None = None,
) -> Response:
    """An answer whose JSON is already rendered (a memoized body): headers as ``JSONResponse``."""
    return Response(body, status_code, headers, media_type, background)


class Memo:
    """A bounded map of memoized values, oldest dropped first.

    ``max_weight`` bounds the sum of the values' sizes (``len`` of bytes values, 1 otherwise), so
    a few large answers cannot hold much memory.
    """

    def __init__(self, max_entries: int = 2048, max_weight: int = 64 * 1024 * 1024) -> None:
        self._data: dict[Hashable, tuple[Any, int]] = {}
        self._max_entries = max_entries
        self._max_weight = max_weight
        self._weight = 0

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The value kept for ``key``, computing (and keeping) it the first time.

        An exception from ``compute`` propagates and nothing is kept.
        """
        found = self._data.get(key)
        if found is not None:
            value: V = found[0]
            return value
        value = compute()
        weight = len(value) if isinstance(value, bytes | str) else 1
        if weight > self._max_weight:
            return value
        while self._data and (
            len(self._data) >= self._max_entries or self._weight + weight > self._max_weight
        ):
            oldest = next(iter(self._data))
            self._weight -= self._data.pop(oldest)[1]
        self._data[key] = (value, weight)
        self._weight += weight
        return value

    def clear(self) -> None:
        """Forget everything."""
        self._data.clear()
        self._weight = 0


class EmulatorCore:
    """What every platform needs; one per app so tests never share state.

    ``clock`` is a plain attribute so tests can move time forward (token expiry, refresh age)
    without sleeping. ``memo`` keeps memoized answers of this instance (keys always carry the
    date and everything else the answer depends on).
    """

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.clock: Callable[[], float] = clock.timestamp
        self.faults = FaultStore()
        self.signer = Signer(settings.signing_key)
        self.memo = Memo()
        self._last_now = 0.0
        self._day: tuple[float, date] = (math.nan, date.min)  # NaN equals no day number
        """The last UTC day number seen by :meth:`today` and its date."""

    def now(self) -> float:
        """Wall-clock seconds for token lifetimes (not metrics), strictly increasing.

        Strictly increasing so "issued before the fault" vs "issued after" is never a tie.
        """
        self._last_now = max(self.clock(), self._last_now + 1e-6)
        return self._last_now

    def today(self) -> date:
        """The date metrics are computed for: fixed by settings, else today's UTC date."""
        if self.settings.today is not None:
            return self.settings.today
        moment = self.clock()
        number = moment // 86400  # the UTC day number (POSIX days are 86400 s long)
        if moment - number * 86400 >= 86399.999:  # so close to midnight that rounding counts
            return datetime.fromtimestamp(moment, UTC).date()
        known, day = self._day
        if number != known:
            day = datetime.fromtimestamp(moment, UTC).date()
            self._day = (number, day)
        return day
