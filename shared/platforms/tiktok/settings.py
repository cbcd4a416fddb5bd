"""TikTok's settings (``LSA_TIKTOK_*``) and the one place for its endpoints, fields and metrics."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.platforms import Platform
from shared.platforms.config import PlatformSettings

PLATFORM = Platform.TIKTOK
DEV_CLIENT_SECRET = "lsa-dev-tiktok-secret"  # noqa: S105  (the emulator's demo secret)
IDENTITY_FIELDS = ("open_id", "union_id", "display_name", "username")
USER_METRICS = ("follower_count", "following_count", "likes_count", "video_count")
VIDEO_FIELDS = ("id", "create_time", "title", "share_url")
VIDEO_METRICS = ("view_count", "like_count", "comment_count", "share_count")
MAX_COUNT = 20
"""``video/list`` ``max_count`` and ``video/query`` ``video_ids`` take at most 20."""
ENGAGEMENT_FORMULA = (
    "(likes + comments + shares) / followers at fetch time * 100 per video; "
    "account = mean of recent videos"
)


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_TIKTOK_", extra="ignore")

    #: TikTok's ``client_key`` (kept under the common name so the connector treats all alike).
    client_id: str = "lsa-dev-tiktok-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    authorize_url: str = "https://www.tiktok.com/v2/auth/authorize/"
    token_url: str = "https://open.tiktokapis.com/v2/oauth/token/"  # noqa: S105
    revoke_url: str = "https://open.tiktokapis.com/v2/oauth/revoke/"
    api_url: str = "https://open.tiktokapis.com"
    api_version: str = "v2"
    scopes: str = "user.info.basic,user.info.profile,user.info.stats,video.list"
    #: TikTok allows 600 requests per minute per endpoint (sliding window; user/info,
    #: video/list, video/query each); one limiter for all of them stays under any single one.
    requests_per_minute: int = 500
    #: ``video/list`` returns at most 20 videos per call.
    page_size: int = MAX_COUNT
