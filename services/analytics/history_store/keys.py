"""Lists of keys cut into chunks: each ``IN`` list well under both databases' limits on bound
parameters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

CHUNK = 500
"""Keys per ``IN`` list."""


K = TypeVar("K")


def chunks(keys: Sequence[K], size: int = CHUNK) -> Iterator[Sequence[K]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
