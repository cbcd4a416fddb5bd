"""YouTube's settings (``LSA_YOUTUBE_*``) and the one place for its endpoints, metrics and quota."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.platforms import Platform
from shared.platforms.config import PlatformSettings

PLATFORM = Platform.YOUTUBE
DEV_CLIENT_SECRET = "lsa-dev-youtube-secret"  # noqa: S105  (the emulator's demo secret)
PACIFIC = ZoneInfo("America/Los_Angeles")
ANALYTICS_METRICS = (
    "views",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "subscribersGained",
    "subscribersLost",
    "likes",
    "comments",
    "shares",
)
UNIT_COSTS: dict[str, int] = {"channels": 1, "playlistItems": 1, "videos": 1, "search": 100}
"""Data API quota cost per list call (documented); Analytics calls do not use this quota."""
MAX_IDS_PER_CALL = 50
ENGAGEMENT_FORMULA = (
    "(likes + comments) / subscribers at fetch time * 100 per video (the Data API gives no "
    "shares or saves per video); account = mean of recent videos; unknown when the channel "
    "hides its subscriber count"
)


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_YOUTUBE_", extra="ignore")

    client_id: str = "lsa-dev-youtube-app.apps.googleusercontent.com"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    authorize_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105
    revoke_url: str = "https://oauth2.googleapis.com/revoke"
    data_api_url: str = "https://www.googleapis.com/youtube/v3"
    analytics_url: str = "https://youtubeanalytics.googleapis.com/v2"
    scopes: str = (
        "https://www.googleapis.com/auth/youtube.readonly "
        "https://www.googleapis.com/auth/yt-analytics.readonly"
    )
    #: Google limits the Data API by units per day (10,000 by default), not per minute; the
    #: Cloud console's per-minute request limits are far higher. 300/min keeps a replica polite
    #: while a channel's sync needs only ~4 requests.
    requests_per_minute: int = 300
    #: playlistItems/videos take at most 50 per call: one page = the 50 newest videos = 1 unit.
    page_size: int = 50
    max_pages: int = 1
    #: The project's daily Data API quota, for reporting how much of it a sync used.
    daily_quota_units: int = 10_000
    #: Days of Analytics looked at for the snapshot's daily figures (the newest row wins).
    snapshot_analytics_days: int = 7
