"""The gateway's path check: decode once, refuse every path whose meaning could shift.

A proxy that routes on one reading of a path while the service behind it acts on another is
open to traversal (``/api/portal/social/connections/..%2F..%2Fmetrics``). So the gateway reads
the raw path exactly once and refuses what a later hop could read differently: malformed or
double percent-encoding, encoded ``/`` or ``\\``, ``.``/``..`` segments, empty ``//`` segments,
control characters and over-long URLs. What passes is routed and forwarded as decoded here.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote_to_bytes

#: Longest raw path, and longest raw path plus query string, accepted (bytes).
MAX_PATH_BYTES = 2048
MAX_URL_BYTES = 8192

_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_ENCODED_SEPARATOR = re.compile(rb"%(2f|5c)", re.IGNORECASE)
_ENCODED_PERCENT = re.compile(rb"%25", re.IGNORECASE)
#: Characters kept literal when the checked path is encoded again for the upstream (RFC 3986
#: pchar plus "/"); everything else, e.g. a space or "é", is percent-encoded.
_PATH_SAFE = "/!$&'()*+,;=:@"


class RefusedPath(ValueError):
    """The path cannot be routed safely: answer ``status`` with ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def checked_path(raw_path: bytes, query: bytes = b"") -> str:
    """The decoded path, or :class:`RefusedPath` (400, or 414 when too long)."""
    if len(raw_path) > MAX_PATH_BYTES:
        raise RefusedPath(414, f"path longer than {MAX_PATH_BYTES} bytes")
    if len(raw_path) + len(query) > MAX_URL_BYTES:
        raise RefusedPath(414, f"URL longer than {MAX_URL_BYTES} bytes")
    if not raw_path.startswith(b"/"):
        raise RefusedPath(400, "the path must start with '/'")
    if any(byte <= 0x20 or byte >= 0x7F for byte in raw_path):
        raise RefusedPath(400, "space, control or non-ASCII byte in the path: percent-encode it")
    if b"\\" in raw_path or _ENCODED_SEPARATOR.search(raw_path):
        raise RefusedPath(400, "encoded '/' or '\\' in the path")
    if _BAD_ESCAPE.search(raw_path):
        raise RefusedPath(400, "malformed percent-encoding in the path")
    if _ENCODED_PERCENT.search(raw_path):
        raise RefusedPath(400, "encoded '%' in the path (double percent-encoding)")
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise RefusedPath(400, "the path is not valid UTF-8") from None
    if any(unicodedata.category(char) == "Cc" for char in path):
        raise RefusedPath(400, "control character in the path")
    segments = path.split("/")[1:]
    if any(segment in {".", ".."} for segment in segments):
        raise RefusedPath(400, "'.' or '..' segment in the path")
    if "" in segments[:-1]:  # a single trailing "/" is allowed
        raise RefusedPath(400, "empty segment ('//') in the path")
    return path


def encoded(path: str) -> bytes:
    """``path`` (as :func:`checked_path` returned it) percent-encoded for the request line."""
    return quote(path, safe=_PATH_SAFE).encode("ascii")
