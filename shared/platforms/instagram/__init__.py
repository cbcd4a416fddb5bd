"""Instagram API with Instagram Login: OAuth, token lifecycle, profile, media, insights, history.

Quirks handled here (see docs/platforms.md):

* the code exchange answers flat or wrapped in ``{"data": [...]}``, with ``permissions`` as a
  string or a list; the short-lived (1 h) token is exchanged at once for a long-lived one
  (``ig_exchange_token``), which is refreshed with ``ig_refresh_token`` — there is no refresh
  token, and no documented revoke endpoint;
* insights: retired metrics (``impressions``, ``plays``, ``video_views``) fail the whole request,
  so metrics go through :mod:`shared.platforms.resilience`; personal accounts get none;
* the daily sync asks the profile, the recent posts and their insights in **one** request by
  field expansion (``fields=…,media.limit(n){…,insights.metric(…)}``), then the account totals:
  2 calls instead of one per post; a refused expansion falls back to the per-post calls (see
  :class:`InstagramGraphData`);
* daily history: ``follower_count`` (new followers a day) for the last 30 days only, for accounts
  with at least 100 followers — the rest of the history is what we store ourselves.

Engagement per post = (likes + comments + saves + shares) / followers at fetch time x 100, with
saves and shares where the post's insights give them; the account's rate is the mean over the
recent posts.

Where things live (the same in every platform package; docs/platforms.md, "Where things live"):
``settings`` endpoints, versions, fields, metrics and ``Settings``; ``errors`` the error
classification; ``oauth`` consent, code exchange, token refresh and revoke; ``data`` identity,
the daily snapshot and history; ``parsing`` answers → platform-neutral values; ``client`` the
client and ``build``.
Instagram adds ``media``: the recent posts and their insights (field expansion, per-post
fallback), shared with :mod:`shared.platforms.instagram_facebook`.
"""

from __future__ import annotations

from shared.platforms.instagram.client import InstagramClient, build
from shared.platforms.instagram.data import InstagramGraphData
from shared.platforms.instagram.media import RecentMedia
from shared.platforms.instagram.parsing import media_item, with_expansion
from shared.platforms.instagram.settings import (
    ACCOUNT_TOTALS,
    DEV_CLIENT_SECRET,
    ENGAGEMENT_FORMULA,
    HISTORY_DAYS,
    HISTORY_METRICS,
    MEDIA_FIELDS,
    MEDIA_METRICS,
    PLATFORM,
    PROFILE_FIELDS,
    InstagramDataSettings,
    S,
    Settings,
)

__all__ = [
    "ACCOUNT_TOTALS",
    "DEV_CLIENT_SECRET",
    "ENGAGEMENT_FORMULA",
    "HISTORY_DAYS",
    "HISTORY_METRICS",
    "MEDIA_FIELDS",
    "MEDIA_METRICS",
    "PLATFORM",
    "PROFILE_FIELDS",
    "InstagramClient",
    "InstagramDataSettings",
    "InstagramGraphData",
    "RecentMedia",
    "S",
    "Settings",
    "build",
    "media_item",
    "with_expansion",
]
