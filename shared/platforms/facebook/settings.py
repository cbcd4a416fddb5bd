"""Facebook's settings (``LSA_FACEBOOK_*``, and Facebook Login's own) and its fields and metrics."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.platforms import Platform
from shared.platforms.config import PlatformSettings

PLATFORM = Platform.FACEBOOK
DEV_CLIENT_SECRET = "lsa-dev-facebook-secret"  # noqa: S105  (the emulator's demo secret)
PAGE_COUNTERS = ("followers_count", "fan_count")
POST_FIELDS = (
    "id,message,created_time,permalink_url,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
PAGE_METRICS = (
    "page_media_view",
    "page_total_media_view_unique",
    "page_post_engagements",
    "page_views_total",
    "page_daily_follows_unique",
)
HISTORY_METRICS = ("page_follows", "page_daily_follows_unique")
#: Insights that fill the snapshot's common fields; the others go to ``platform_metrics``.
SNAPSHOT_FIELDS = ("page_media_view", "page_total_media_view_unique")
INSIGHTS_WINDOW_DAYS = 90
INSIGHTS_RETENTION_DAYS = 730
ENGAGEMENT_FORMULA = (
    "(reactions + comments + shares) / page followers at fetch time * 100 per post; "
    "account = mean of recent posts"
)


class FacebookLoginSettings(PlatformSettings):
    """The Facebook app and endpoints of every client logging in with Facebook Login."""

    client_id: str = "lsa-dev-facebook-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    #: The dialog is ``{www_url}/{api_version}/dialog/oauth``.
    www_url: str = "https://www.facebook.com"
    graph_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    scopes: str


class Settings(FacebookLoginSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_FACEBOOK_", extra="ignore")

    scopes: str = "pages_show_list,pages_read_engagement,read_insights"
    #: Meta's platform limit is 200 calls x daily active users per rolling hour per app (user
    #: tokens), and Page-token calls count against the Page's Business Use Case budget
    #: (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). A sync costs
    #: about 4 calls per Page, so 120/min (7,200/h) per replica stays far under the app budget
    #: of any real user base and leaves room for other replicas.
    requests_per_minute: int = 120
