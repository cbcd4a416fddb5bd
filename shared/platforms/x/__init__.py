"""X API v2: OAuth 2.0 with PKCE, rotating refresh tokens, profile counters and recent posts.

Quirks handled here (see docs/platforms.md):

* PKCE (S256) is required; confidential clients authenticate to the token and revoke endpoints
  with HTTP Basic. Access tokens live 2 h (read from ``expires_in``); with ``offline.access`` a
  refresh returns a new access token *and* a new refresh token, and refresh tokens are single-use:
  presenting a used one (or any older one) kills the chain → ``reauth_required``;
* errors are problem+json (``type`` ``…/problems/<kind>``); a 401 says nothing about why, so it is
  ``token_expired`` (refresh, then retry once; a dead refresh token then says ``reauth``);
  429 carries ``x-rate-limit-reset`` (epoch seconds), and the monthly pay-per-use cap answers 429
  ``usage-capped``. Some refusals arrive with HTTP 200: a user the token may not see (``errors``
  without ``data``), or one field of some posts (``not-authorized-for-field``, e.g.
  ``non_public_metrics`` of posts older than 30 days);
* pay-per-use pricing bills every Post read, so one sync is two calls: ``/2/users/me`` and one
  page of up to 100 posts (``Settings.max_pages`` pages at most). Field lists go through
  :mod:`shared.platforms.resilience`: a field X refuses (400 ``invalid-request`` naming it) is
  dropped, remembered per account and reported, at the cost of one extra call, once;
* protected accounts: the owner's own token reads its own timeline like any other (that is
  the only timeline we read, the one of ``/2/users/me``); another user's protected timeline
  answers 200 with ``not-authorized-for-resource`` → ``permission_or_input``;
* X gives no daily history: what we store every day is the history.

Engagement per post = (likes + replies + retweets + quotes + bookmarks) / followers at fetch
time x 100; the account's rate is the mean over the recent posts. Impressions are the posts'
``views``.

Where things live (the same in every platform package; docs/platforms.md, "Where things live"):
``settings`` endpoints, versions, fields, metrics and ``Settings``; ``errors`` the error
classification; ``oauth`` consent, code exchange, token refresh and revoke; ``data`` identity,
the daily snapshot and history; ``parsing`` answers → platform-neutral values; ``client`` the
client and ``build``.
"""

from __future__ import annotations

from shared.platforms.x.client import Clock, XClient, build
from shared.platforms.x.data import Call
from shared.platforms.x.errors import (
    DEFAULT_RATE_LIMIT_WAIT,
    DEFAULT_USAGE_CAP_WAIT,
    XApiError,
    classify,
    problem_kind,
    reset_wait,
)
from shared.platforms.x.oauth import token_grant
from shared.platforms.x.parsing import (
    Objects,
    account_metrics,
    parse_x_time,
    post_item,
    refused_everywhere,
)
from shared.platforms.x.settings import (
    DEV_CLIENT_SECRET,
    ENGAGEMENT_FORMULA,
    PLATFORM,
    TWEET_BASE_FIELDS,
    TWEET_METRIC_FIELDS,
    USER_BASE_FIELDS,
    USER_METRIC_FIELDS,
    Settings,
)

__all__ = [
    "DEFAULT_RATE_LIMIT_WAIT",
    "DEFAULT_USAGE_CAP_WAIT",
    "DEV_CLIENT_SECRET",
    "ENGAGEMENT_FORMULA",
    "PLATFORM",
    "TWEET_BASE_FIELDS",
    "TWEET_METRIC_FIELDS",
    "USER_BASE_FIELDS",
    "USER_METRIC_FIELDS",
    "Call",
    "Clock",
    "Objects",
    "Settings",
    "XApiError",
    "XClient",
    "account_metrics",
    "build",
    "classify",
    "parse_x_time",
    "post_item",
    "problem_kind",
    "refused_everywhere",
    "reset_wait",
    "token_grant",
]
