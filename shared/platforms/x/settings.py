"""X's settings (``LSA_X_*``) and the one place for its endpoints and field lists."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.platforms import Platform
from shared.platforms.config import PlatformSettings

PLATFORM = Platform.X
DEV_CLIENT_SECRET = "lsa-dev-x-secret"  # noqa: S105  (the emulator's demo secret)
USER_BASE_FIELDS = ("id", "name", "username", "protected", "verified")
USER_METRIC_FIELDS = ("public_metrics",)
TWEET_BASE_FIELDS = ("created_at",)
TWEET_METRIC_FIELDS = ("public_metrics", "non_public_metrics")
ENGAGEMENT_FORMULA = (
    "(likes + replies + retweets + quotes + bookmarks) / followers at fetch time * 100 per post; "
    "account = mean of recent posts"
)


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_X_", extra="ignore")

    client_id: str = "lsa-dev-x-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    #: ``https://twitter.com/i/oauth2/authorize`` is the older host of the same page.
    authorize_url: str = "https://x.com/i/oauth2/authorize"
    token_url: str = "https://api.x.com/2/oauth2/token"  # noqa: S105
    revoke_url: str = "https://api.x.com/2/oauth2/revoke"
    api_url: str = "https://api.x.com/2"
    scopes: str = "tweet.read users.read offline.access"
    #: X's per-app ceiling on the user Posts timeline is 10,000 / 15 min (~666/min); per-user
    #: ceilings (75 / 15 min on /2/users/me, 900 / 15 min on timelines) are far above the two
    #: calls of one account's daily sync. 300/min keeps one replica well inside both.
    requests_per_minute: int = 300
    #: Pay-per-use bills every Post read: one page of the maximum size X allows (5-100) ...
    page_size: int = 100
    #: ... and no second page unless configured.
    max_pages: int = 1
    #: Only the creator's own posts: reposts and replies are someone else's conversation.
    exclude: str = "retweets,replies"
