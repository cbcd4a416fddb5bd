"""TikTok Login Kit v2 + Display API v2: OAuth with PKCE, rotating refresh tokens, profile, videos.

Quirks handled here (see docs/platforms.md):

* the app is identified by ``client_key`` (not ``client_id``), scopes are comma-separated, and
  PKCE (S256) is used (TikTok requires it for desktop/mobile and accepts it for web);
* the token endpoint reports OAuth errors as ``{"error", "error_description", "log_id"}`` — also
  inside an HTTP 200 — and older answers were wrapped in ``{"data": {...}}``: both are accepted;
  lifetimes differ between TikTok's old and new docs (24 h / 365 d vs 2 h / 180 d), so they are
  always read from ``expires_in`` / ``refresh_expires_in``;
* refresh tokens rotate: every refresh returns a new one and the previous one dies, so the caller
  must store the new refresh token before using the new access token;
* every API answer carries ``{"error": {"code", "message", "log_id"}}`` and ``code == "ok"`` is
  success; an unknown field name fails the whole request (``invalid_params``), so metric fields go
  through :mod:`shared.platforms.resilience`;
* there is no reach, saves, watch time or daily history: :meth:`TikTokClient.fetch_history`
  returns ``[]`` and the stored daily snapshots are the only history.

Engagement per video = (likes + comments + shares) / followers at fetch time x 100; the account's
rate is the mean over the recent videos.

Where things live (the same in every platform package; docs/platforms.md, "Where things live"):
``settings`` endpoints, versions, fields, metrics and ``Settings``; ``errors`` the error
classification; ``oauth`` consent, code exchange, token refresh and revoke; ``data`` identity,
the daily snapshot and history; ``parsing`` answers → platform-neutral values; ``client`` the
client and ``build``.
"""

from __future__ import annotations

from shared.platforms.tiktok.client import TikTokClient, build
from shared.platforms.tiktok.errors import (
    DEFAULT_RATE_LIMIT_WAIT,
    classify,
    classify_answer,
    inspect_envelope,
)
from shared.platforms.tiktok.oauth import parse_token_answer
from shared.platforms.tiktok.parsing import int_or_none, video_item
from shared.platforms.tiktok.settings import (
    DEV_CLIENT_SECRET,
    ENGAGEMENT_FORMULA,
    IDENTITY_FIELDS,
    MAX_COUNT,
    PLATFORM,
    USER_METRICS,
    VIDEO_FIELDS,
    VIDEO_METRICS,
    Settings,
)

__all__ = [
    "DEFAULT_RATE_LIMIT_WAIT",
    "DEV_CLIENT_SECRET",
    "ENGAGEMENT_FORMULA",
    "IDENTITY_FIELDS",
    "MAX_COUNT",
    "PLATFORM",
    "USER_METRICS",
    "VIDEO_FIELDS",
    "VIDEO_METRICS",
    "Settings",
    "TikTokClient",
    "build",
    "classify",
    "classify_answer",
    "inspect_envelope",
    "int_or_none",
    "parse_token_answer",
    "video_item",
]
