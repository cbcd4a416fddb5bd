"""Instagram via Facebook Login's settings (``LSA_INSTAGRAM_FB_*``) and its profile fields.

Metrics, history window and engagement formula are Instagram's
(:mod:`shared.platforms.instagram.settings`).
"""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.platforms import Platform, facebook
from shared.platforms.facebook.settings import FacebookLoginSettings
from shared.platforms.instagram.settings import ENGAGEMENT_FORMULA as ENGAGEMENT_FORMULA
from shared.platforms.instagram.settings import HISTORY_DAYS as HISTORY_DAYS
from shared.platforms.instagram.settings import InstagramDataSettings

PLATFORM = Platform.INSTAGRAM
#: The same Facebook app (and demo secret) as Facebook Pages.
DEV_CLIENT_SECRET = facebook.DEV_CLIENT_SECRET
PROFILE_FIELDS = "id,username,name,followers_count,follows_count,media_count"


class Settings(FacebookLoginSettings, InstagramDataSettings):
    model_config = SettingsConfigDict(env_prefix="LSA_INSTAGRAM_FB_", extra="ignore")

    scopes: str = "instagram_basic,instagram_manage_insights,pages_read_engagement,pages_show_list"
    #: Instagram calls count against the account's Business Use Case budget (4800 x impressions
    #: per 24 h) and the user-token calls against Meta's 200 x users per hour per app
    #: (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). A sync costs
    #: 2 calls (profile with its posts and their insights by field expansion, totals) plus a
    #: media page per ``page_size`` posts past the insights window — about 14 on the per-post
    #: fallback: 300/min per replica keeps a batch of syncs moving, well under the app budget.
    requests_per_minute: int = 300
