"""Instagram through Facebook Login: an Instagram professional account linked to a Facebook Page.

Selected by ``LSA_INSTAGRAM_LOGIN=facebook`` (see ``registry._module``) and configured by
``LSA_INSTAGRAM_FB_*``. The login is Facebook's (:class:`shared.platforms.facebook.FacebookLogin`);
the data is Instagram's on graph.facebook.com, with the same fields, metrics, mapping and
engagement formula as :mod:`shared.platforms.instagram`, whose
:class:`~shared.platforms.instagram.InstagramGraphData` serves both logins.

* The account is found through ``/me/accounts?fields=id,instagram_business_account``: the first
  Page with a linked Instagram professional account. Personal Instagram accounts cannot be
  linked, so a person without one cannot connect (``permission_or_input``).
* The access token is the long-lived **user** token (``expires_in`` from the answer); there is no
  refresh token: :meth:`InstagramFacebookClient.refresh` re-exchanges the token with
  ``fb_exchange_token`` while it is still valid ⚠. Once it has expired, only a reconnect helps.
* Revoke: ``DELETE /me/permissions`` with the user token.
* Daily history: ``follower_count`` (new followers a day) for the last 30 days, for accounts with
  at least 100 followers, and ``reach``.
* Daily sync: ``/{ig-user-id}?fields=…,media.limit(n){…,insights.metric(…)}`` (field expansion:
  profile, recent posts and their insights in one call) and the account totals — 2 calls, with
  the per-post fallback of :class:`~shared.platforms.instagram.InstagramGraphData`.

Where things live (the same in every platform package; docs/platforms.md, "Where things live"):
``settings`` endpoints, versions, fields, metrics and ``Settings``; ``errors`` the error
classification; ``oauth`` consent, code exchange, token refresh and revoke; ``data`` identity,
the daily snapshot and history; ``parsing`` answers → platform-neutral values; ``client`` the
client and ``build``.
This login has no ``errors`` or ``parsing`` of its own: its errors are Facebook Login's
(:mod:`shared.platforms.facebook.errors`), its mapping and recent posts Instagram's
(:mod:`shared.platforms.instagram.parsing`, :mod:`shared.platforms.instagram.media`).
"""

from __future__ import annotations

from shared.platforms.instagram_facebook.client import InstagramFacebookClient, build
from shared.platforms.instagram_facebook.settings import (
    DEV_CLIENT_SECRET,
    ENGAGEMENT_FORMULA,
    HISTORY_DAYS,
    PLATFORM,
    PROFILE_FIELDS,
    Settings,
)

__all__ = [
    "DEV_CLIENT_SECRET",
    "ENGAGEMENT_FORMULA",
    "HISTORY_DAYS",
    "PLATFORM",
    "PROFILE_FIELDS",
    "InstagramFacebookClient",
    "Settings",
    "build",
]
