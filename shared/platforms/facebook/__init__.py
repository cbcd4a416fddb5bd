"""Facebook Pages through Facebook Login: OAuth, Page tokens, Page fields, posts, insights, history.

Facebook Login (the dialog, the code exchange and the long-lived ``fb_exchange_token`` exchange,
``/me/permissions``) is shared with :mod:`shared.platforms.instagram_facebook` through
:class:`FacebookLogin`, configured from :class:`FacebookLoginSettings`.

The grant (a design decision, since Facebook has no refresh token):

* ``access_token`` is the **Page** token from ``/me/accounts``. Derived from a long-lived user
  token it does not expire, so ``expires_in`` is None;
* ``refresh_token`` is the **long-lived user token** (``refresh_expires_in`` from its answer): it
  re-derives a Page token (:meth:`FacebookPagesClient.refresh`, which also re-exchanges it for a
  fresh 60-day one ⚠) and is the token that can revoke (``DELETE /me/permissions``);
* ``platform_user_id`` is the Page id. A person managing several Pages connects the **first**
  Page ``/me/accounts`` lists (each demo creator has one; a person with none cannot connect).

Quirks handled here: ``shares`` is absent from a post that was never shared (it means 0);
reaction and comment counts come through field expansion (``.summary(total_count).limit(0)``), one
call for a page of posts; Page insights exist only for Pages with 100+ followers (else empty, so
unknown, not 0), span at most 90 days per call and 2 years back; retired metrics
(``page_fans*``, ``page_impressions*``, ``post_impressions*``) fail the whole request with code 100,
so insights and counters go through :mod:`shared.platforms.resilience`; the token endpoint answers
a wrong client secret with code 1 and HTTP 400, which is a configuration error, not an outage.

Engagement per post = (reactions + comments + shares) / Page followers at fetch time x 100; the
Page's rate is the mean over its recent posts.

Where things live (the same in every platform package; docs/platforms.md, "Where things live"):
``settings`` endpoints, versions, fields, metrics and ``Settings``; ``errors`` the error
classification; ``oauth`` consent, code exchange, token refresh and revoke; ``data`` identity,
the daily snapshot and history; ``parsing`` answers → platform-neutral values; ``client`` the
client and ``build``.
"""

from __future__ import annotations

from shared.platforms.facebook.client import FacebookPagesClient, build
from shared.platforms.facebook.errors import graph_classifier, reauth_when_expired
from shared.platforms.facebook.oauth import FacebookLogin, UserToken, login_for
from shared.platforms.facebook.parsing import post_item, shares_count, summary_count
from shared.platforms.facebook.settings import (
    DEV_CLIENT_SECRET,
    ENGAGEMENT_FORMULA,
    HISTORY_METRICS,
    INSIGHTS_RETENTION_DAYS,
    INSIGHTS_WINDOW_DAYS,
    PAGE_COUNTERS,
    PAGE_METRICS,
    PLATFORM,
    POST_FIELDS,
    FacebookLoginSettings,
    Settings,
)

__all__ = [
    "DEV_CLIENT_SECRET",
    "ENGAGEMENT_FORMULA",
    "HISTORY_METRICS",
    "INSIGHTS_RETENTION_DAYS",
    "INSIGHTS_WINDOW_DAYS",
    "PAGE_COUNTERS",
    "PAGE_METRICS",
    "PLATFORM",
    "POST_FIELDS",
    "FacebookLogin",
    "FacebookLoginSettings",
    "FacebookPagesClient",
    "Settings",
    "UserToken",
    "build",
    "graph_classifier",
    "login_for",
    "post_item",
    "reauth_when_expired",
    "shares_count",
    "summary_count",
]
