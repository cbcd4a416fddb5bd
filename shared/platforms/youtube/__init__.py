"""YouTube (Data API v3 + Analytics API v2) with Google OAuth: tokens, channel, videos, history.

Quirks handled here (see docs/platforms.md):

* Google OAuth with PKCE (S256); ``access_type=offline&prompt=consent`` so the code exchange
  carries a refresh token. Refresh answers usually carry none: ``refresh()`` then returns
  ``refresh_token=None`` and the caller keeps the old one. A dead refresh token (revoked, unused
  for six months, superseded) answers ``invalid_grant`` → REAUTH_REQUIRED. Revoking either token
  revokes the whole grant. A 401 from the APIs does not say whether the access token expired
  or was revoked: it is TOKEN_EXPIRED, and the refresh that follows tells the two apart.
* Numbers in the Data API are strings; public subscriber counts above 1,000 are rounded down
  to three significant figures, and a channel may hide its count (followers unknown, not 0).
  A Google account without a channel answers ``channels?mine=true`` with no items.
* Quota: 10,000 units a day per project, reset at midnight Pacific. A sync costs ~3 units
  (channels + playlistItems + videos, 50 ids per call); ``search.list`` (100 units) is never
  used. Exhaustion is a 403 ``quotaExceeded``: RATE_LIMITED until the next Pacific midnight.
* Analytics rows lag 48-72 h and reach back to the channel's creation; columns are mapped by
  ``columnHeaders`` name. One unknown/retired metric fails the whole query (400) and revenue
  metrics are refused (403) to non-partners, so metrics go through
  :mod:`shared.platforms.resilience`.

Snapshot mapping: ``followers`` = subscriberCount, ``posts`` = videoCount, ``views`` = the views
of the newest day Analytics has (usually today - 2; its lag is in ``analytics_lag_days``), the
lifetime channel view count in ``platform_metrics["channel_views"]``.

Where things live (the same in every platform package; docs/platforms.md, "Where things live"):
``settings`` endpoints, versions, fields, metrics and ``Settings``; ``errors`` the error
classification; ``oauth`` consent, code exchange, token refresh and revoke; ``data`` identity,
the daily snapshot and history; ``parsing`` answers → platform-neutral values; ``client`` the
client and ``build``.
"""

from __future__ import annotations

from shared.platforms.youtube.client import Clock, YouTubeClient, build
from shared.platforms.youtube.errors import (
    DEFAULT_RATE_LIMIT_WAIT,
    classify,
    seconds_until_pacific_midnight,
)
from shared.platforms.youtube.oauth import token_grant
from shared.platforms.youtube.parsing import (
    channel_metrics,
    parse_time,
    report_columns,
    subscribers,
    video_item,
)
from shared.platforms.youtube.settings import (
    ANALYTICS_METRICS,
    DEV_CLIENT_SECRET,
    ENGAGEMENT_FORMULA,
    MAX_IDS_PER_CALL,
    PACIFIC,
    PLATFORM,
    UNIT_COSTS,
    Settings,
)

__all__ = [
    "ANALYTICS_METRICS",
    "DEFAULT_RATE_LIMIT_WAIT",
    "DEV_CLIENT_SECRET",
    "ENGAGEMENT_FORMULA",
    "MAX_IDS_PER_CALL",
    "PACIFIC",
    "PLATFORM",
    "UNIT_COSTS",
    "Clock",
    "Settings",
    "YouTubeClient",
    "build",
    "channel_metrics",
    "classify",
    "parse_time",
    "report_columns",
    "seconds_until_pacific_midnight",
    "subscribers",
    "token_grant",
    "video_item",
]
