"""LinkedIn's settings (``LSA_LINKEDIN_*``) and the one place for its endpoints and queryTypes."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.platforms import Platform
from shared.platforms.config import PlatformSettings

PLATFORM = Platform.LINKEDIN
DEV_CLIENT_SECRET = "lsa-dev-linkedin-secret"  # noqa: S105  (the emulator's demo secret)
RESTLI_PROTOCOL = "2.0.0"
#: memberCreatorPostAnalytics queryTypes, one call each; MEMBERS_REACHED is TOTAL-only.
QUERY_TYPES = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
DAILY_QUERY_TYPES = ("IMPRESSION", "REACTION", "COMMENT", "RESHARE")
POSTS_LIST = "posts.list"
HISTORY_DAYS = 365
ENGAGEMENT_FORMULA = (
    "(reactions + comments + reshares) / followers at fetch time * 100 per post; account = mean "
    "of recent posts, or, where posts cannot be listed (no r_member_social), yesterday's "
    "reactions + comments + reshares on all the member's posts / followers * 100"
)
#: The snapshot field each queryType fills.
METRIC_FIELDS = {
    "IMPRESSION": "views",
    "MEMBERS_REACHED": "reach",
    "RESHARE": "reshares",
    "REACTION": "reactions",
    "COMMENT": "comments",
}


class Settings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_LINKEDIN_", extra="ignore")

    client_id: str = "lsa-dev-linkedin-app"
    client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    authorize_url: str = "https://www.linkedin.com/oauth/v2/authorization"
    token_url: str = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105
    revoke_url: str = "https://www.linkedin.com/oauth/v2/revoke"
    api_url: str = "https://api.linkedin.com"
    #: ``LinkedIn-Version`` (YYYYMM). LinkedIn retires a version about a year after release:
    #: raise this when the API answers 426 NONEXISTENT_VERSION.
    api_version: str = "202610"
    scopes: str = "openid profile r_member_profileAnalytics r_member_postAnalytics"
    #: List the member's posts (needs the restricted ``r_member_social``, added to the scopes).
    list_posts: bool = False
    posts_scope: str = "r_member_social"
    #: LinkedIn publishes daily per-application and per-member limits (Developer Portal →
    #: Analytics), not per-minute ones; 100/min keeps one replica far from them and smooth.
    requests_per_minute: int = 100
    page_size: int = 20
    #: Posts whose analytics are fetched per sync (five calls each): the most recent ones.
    analytics_posts_limit: int = 10

    def scope_list(self) -> list[str]:
        """The scopes to ask for, with the posts scope only when posts are listed."""
        scopes = self.scopes.replace(",", " ").split()
        if self.list_posts and self.posts_scope not in scopes:
            scopes.append(self.posts_scope)
        return scopes
