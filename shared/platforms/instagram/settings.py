"""Instagram's settings (``LSA_INSTAGRAM_*``, and what both logins share), fields and metrics."""

from __future__ import annotations

from typing import Literal, TypeVar

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.platforms import Platform
from shared.platforms.config import PlatformSettings

PLATFORM = Platform.INSTAGRAM
DEV_CLIENT_SECRET = "lsa-dev-instagram-secret"  # noqa: S105  (the emulator's demo secret)
PROFILE_FIELDS = "user_id,username,name,account_type,followers_count,follows_count,media_count"
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count"
)
MEDIA_METRICS = ("views", "reach", "saved", "shares")
ACCOUNT_TOTALS = ("views", "reach", "accounts_engaged", "total_interactions", "profile_links_taps")
HISTORY_METRICS = ("follower_count", "reach")
HISTORY_DAYS = 30
ENGAGEMENT_FORMULA = (
    "(likes + comments + saves + shares) / followers at fetch time * 100 per post "
    "(saves and shares where the post's insights give them); account = mean of recent posts"
)


class InstagramDataSettings(PlatformSettings):
    """What the settings of both Instagram logins have in common (the data side)."""

    #: Posts whose insights are fetched per sync: the most recent ones (nested in the profile
    #: call by field expansion; one call each only on the fallback path).
    insights_media_limit: int = 25
    #: One page of the newest posts, all with their insights: the profile, the posts and their
    #: insights then come in one call (plus one for yesterday's account totals).
    max_pages: int = 1


class Settings(InstagramDataSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_INSTAGRAM_", extra="ignore")

    client_id: str = "lsa-dev-instagram-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    authorize_url: str = "https://www.instagram.com/oauth/authorize"
    token_url: str = "https://api.instagram.com/oauth/access_token"  # noqa: S105
    graph_url: str = "https://graph.instagram.com"
    api_version: str = "v23.0"
    scopes: str = "instagram_business_basic,instagram_business_manage_insights"
    #: Meta's business use-case limit (4800 x impressions per 24 h) is far higher; this keeps
    #: one replica polite and lets X-App-Usage stay low.
    requests_per_minute: int = 600
    #: ``instagram`` (Instagram Login, no Facebook Page needed) or ``facebook`` (Facebook Login:
    #: served by :mod:`shared.platforms.instagram_facebook`, configured by ``LSA_INSTAGRAM_FB_*``).
    login: Literal["instagram", "facebook"] = "instagram"


#: The settings of either login (Instagram Login's or Facebook Login's).
S = TypeVar("S", bound=InstagramDataSettings)
