"""Graph API errors as Facebook Login sees them, on top of Meta's (:mod:`shared.platforms.meta`).

Shared with :mod:`shared.platforms.instagram_facebook`.
"""

from __future__ import annotations

import httpx

from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.http import Classifier
from shared.platforms.meta import classify


def graph_classifier(platform: Platform) -> Classifier:
    """Meta's classification, plus the token endpoint's code 1 + HTTP 400 (a bad client secret).

    Code 1 normally means "unknown error, retry"; on ``/oauth/access_token`` with a 4xx it is
    "Error validating client secret.", which retrying cannot fix.
    """

    def classify_graph(response: httpx.Response) -> PlatformError:
        error = classify(platform, response)
        on_token_endpoint = response.request.url.path.endswith("/oauth/access_token")
        if error.code == "1" and response.status_code < 500 and on_token_endpoint:
            return PlatformError(
                platform,
                ErrorClass.PERMISSION_OR_INPUT,
                error.message,
                status=error.status,
                code="1",
            )
        return error

    return classify_graph


def reauth_when_expired(error: PlatformError) -> PlatformError:
    """A long-lived user token that has expired cannot be refreshed by anything: reconnect."""
    if error.error_class is not ErrorClass.TOKEN_EXPIRED:
        return error
    return PlatformError(
        error.platform,
        ErrorClass.REAUTH_REQUIRED,
        f"the long-lived user token expired: {error.message}",
        status=error.status,
        code=error.code,
    )
