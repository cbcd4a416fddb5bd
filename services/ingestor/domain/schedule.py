"""The daily sync time (03:00 UTC by default): when is the next one?"""

from __future__ import annotations

from datetime import datetime, time, timedelta


def next_run(now: datetime, at: time) -> datetime:
    """The first ``at`` (UTC) strictly after ``now``."""
    candidate = datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    return candidate if candidate > now else candidate + timedelta(days=1)
