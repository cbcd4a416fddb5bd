"""What every WebSocket end of the system shares."""

from __future__ import annotations

#: RFC 6455: a close frame's payload is at most 125 bytes, two of them the code.
CLOSE_REASON_BYTES = 123


def close_reason(text: str) -> str:
    """``text`` cut to the bytes a close frame's reason may hold (never mid-character)."""
    return text.encode()[:CLOSE_REASON_BYTES].decode(errors="ignore")
