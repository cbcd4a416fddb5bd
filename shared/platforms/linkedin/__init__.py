"""LinkedIn (members as creators): OAuth, token lifecycle, followers, post analytics, history.

Quirks handled here (see docs/platforms.md):

* OAuth 2.0 authorization code without PKCE; access tokens live 60 days. Refresh tokens exist
  only for LinkedIn's approved partners (365 days from the first consent, *not* extended by
  refreshing). Without one the connection dies after 60 days: :meth:`LinkedInClient.refresh`
  then raises ``reauth_required`` at once, and the connector warns the client before expiry.
* Every ``/rest`` call carries ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version:
  2.0.0``; a version is retired about a year after release (426 ``NONEXISTENT_VERSION``), which
  surfaces as ``permission_or_input`` telling the operator to raise ``LSA_LINKEDIN_API_VERSION``.
* Identity comes from OpenID ``/v2/userinfo``: ``sub`` is the member id. LinkedIn gives no
  public handle through the API, so the username is the member's name.
* Followers: ``memberFollowersCount`` (``q=me`` lifetime; ``q=dateRange`` followers gained per
  day, about twelve months back). Post analytics: ``memberCreatorPostAnalytics``, one call per
  ``queryType`` (``IMPRESSION, MEMBERS_REACHED, RESHARE, REACTION, COMMENT``); an unknown or
  retired queryType fails its call, so each goes through :mod:`shared.platforms.resilience`.
* Listing a member's own posts (``/rest/posts?q=author``) needs ``r_member_social``, a
  restricted permission most apps are not granted (asking for it unapproved fails the consent
  with ``unauthorized_scope_error``). ``Settings.list_posts`` turns it on; without it the
  snapshot carries account-level analytics only and no recent items.
* Daily limits are per application and per member and reset at midnight UTC: a 429 without
  ``Retry-After`` waits until then.

Organizations (``networkSizes``, ``organizationalEntityFollowerStatistics``) are not served yet.

Where things live (the same in every platform package; docs/platforms.md, "Where things live"):
``settings`` endpoints, versions, fields, metrics and ``Settings``; ``errors`` the error
classification; ``oauth`` consent, code exchange, token refresh and revoke; ``data`` identity,
the daily snapshot and history; ``parsing`` answers → platform-neutral values; ``client`` the
client and ``build``.
"""

from __future__ import annotations

from shared.platforms.linkedin.client import LinkedInClient, build
from shared.platforms.linkedin.errors import classify, seconds_to_utc_midnight
from shared.platforms.linkedin.oauth import token_grant
from shared.platforms.linkedin.parsing import (
    date_range,
    elements,
    entity_param,
    epoch_ms,
    li_date,
    metric_name,
    post_item,
    range_start,
    total_count,
)
from shared.platforms.linkedin.settings import (
    DAILY_QUERY_TYPES,
    DEV_CLIENT_SECRET,
    ENGAGEMENT_FORMULA,
    HISTORY_DAYS,
    PLATFORM,
    POSTS_LIST,
    QUERY_TYPES,
    RESTLI_PROTOCOL,
    Settings,
)

__all__ = [
    "DAILY_QUERY_TYPES",
    "DEV_CLIENT_SECRET",
    "ENGAGEMENT_FORMULA",
    "HISTORY_DAYS",
    "PLATFORM",
    "POSTS_LIST",
    "QUERY_TYPES",
    "RESTLI_PROTOCOL",
    "LinkedInClient",
    "Settings",
    "build",
    "classify",
    "date_range",
    "elements",
    "entity_param",
    "epoch_ms",
    "li_date",
    "metric_name",
    "post_item",
    "range_start",
    "seconds_to_utc_midnight",
    "token_grant",
    "total_count",
]
