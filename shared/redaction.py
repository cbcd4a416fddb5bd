"""Scrubbing secrets out of anything that is about to be logged.

Tokens reach log calls in three ways: as a keyword argument (``token=...``), inside a URL
(Instagram takes ``access_token`` as a query parameter, and httpx logs request URLs), and inside
free text such as an ``Authorization: Bearer`` header echoed by an exception. All three are
covered here, once, for structlog and for the standard library loggers alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

REDACTED = "[REDACTED]"

_SENSITIVE_KEY = re.compile(
    r"(token|secret|password|passwd|authorization|api[_-]?key|cookie|client_secret|"
    r"code_verifier|private[_-]?key|credential)",
    re.IGNORECASE,
)
#: Query/form parameters whose values are credentials (``code`` is a one-time credential too).
_SENSITIVE_PARAM = re.compile(
    r"(?P<key>\b(?:access_token|refresh_token|client_secret|code|code_verifier|token|"
    r"fb_exchange_token|input_token|id_token)=)(?P<value>[^&\s\"'#\\]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<key>\b(?:Bearer|Basic)\s+)(?P<value>[A-Za-z0-9._~+/=\-]{6,})")
_JSON_SECRET = re.compile(
    r"(?P<key>\\?[\"'](?:access_token|refresh_token|client_secret|token|password)\\?[\"']"
    r"\s*:\s*\\?[\"'])"
    r"(?P<value>[^\"'\\]+)",
    re.IGNORECASE,
)
#: Keys whose names look sensitive but hold no secret (e.g. counters about tokens).
_SAFE_KEYS = frozenset({"token_type", "token_health", "token_expires_at", "tokens_total"})


def redact_text(text: str) -> str:
    """Mask credentials embedded in free text, URLs and JSON fragments."""
    for pattern in (_SENSITIVE_PARAM, _BEARER, _JSON_SECRET):
        text = pattern.sub(lambda m: m.group("key") + REDACTED, text)
    return text


def _is_sensitive_key(key: str) -> bool:
    return key.lower() not in _SAFE_KEYS and bool(_SENSITIVE_KEY.search(key))


def redact_value(value: Any, depth: int = 0) -> Any:
    """Redact recursively; depth-limited so a cyclic structure cannot hang logging."""
    if depth > 6:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (
                REDACTED
                if isinstance(k, str) and _is_sensitive_key(k)
                else redact_value(v, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v, depth + 1) for v in value)
    return value


def redact_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> dict[str, Any]:
    """structlog processor: the last line of defence before a record is rendered."""
    return {
        key: (
            REDACTED
            if key not in ("event", "logger", "level", "timestamp") and _is_sensitive_key(key)
            else redact_value(value)
        )
        for key, value in event_dict.items()
    }
