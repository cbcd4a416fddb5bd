"""Outbound HTTP: httpx's API over aiohttp's connection pool.

httpx stays the API everywhere (timeouts, event hooks, ``MockTransport`` in tests); only the
transport underneath changes. Why: under a hundred concurrent requests httpcore's pool scans
every pooled connection (polling each socket) for every request, which cost ~3.8 ms of CPU per
request on the benchmark machine against ~0.5 ms through aiohttp — the largest single cost of a
sync (issue 5, ``make bench``).
"""

from __future__ import annotations

from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport


def outbound_client(
    *, timeout: httpx.Timeout | float, max_connections: int = 100, **options: Any
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` whose requests travel through aiohttp's pool."""
    transport = AiohttpTransport(
        limits=httpx.Limits(max_connections=max_connections, keepalive_expiry=30.0)
    )
    return httpx.AsyncClient(timeout=timeout, transport=transport, **options)
