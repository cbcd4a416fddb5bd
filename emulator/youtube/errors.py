"""Google's error shapes: the API envelope (Data and Analytics APIs) and OAuth's flat one."""

from emulator import oauth
from emulator.core import FastJSONResponse

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class GoogleApiError(Exception):
    """``{"error": {code, message, errors: [{message, domain, reason, ...}], status?}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        reason: str,
        *,
        domain: str = "global",
        detail: str | None = None,
        location: str | None = None,
        with_status: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        self.domain = domain
        self.detail = detail or message
        self.location = location
        self.with_status = with_status
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        item: dict[str, object] = {
            "message": self.detail,
            "domain": self.domain,
            "reason": self.reason,
        }
        if self.location:
            item["location"] = self.location
            item["locationType"] = "header" if self.location == "Authorization" else "parameter"
        error: dict[str, object] = {"code": self.status, "message": self.message, "errors": [item]}
        if self.with_status and self.status in _STATUS_NAMES:
            error["status"] = _STATUS_NAMES[self.status]
        return {"error": error}

    def response(self) -> FastJSONResponse:
        return FastJSONResponse(self.body(), status_code=self.status, headers=self.headers)


def invalid_credentials() -> GoogleApiError:
    """401 for an expired, revoked or unknown access token (Google does not say which)."""
    return GoogleApiError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "authError",
        detail="Invalid Credentials",
        location="Authorization",
        headers={
            "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
        },
    )


def login_required() -> GoogleApiError:
    return GoogleApiError(
        401,
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential.",
        "required",
        detail="Login Required.",
        location="Authorization",
    )


def insufficient_scopes() -> GoogleApiError:
    return GoogleApiError(
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
        detail="Insufficient Permission",
    )


def forbidden(message: str = "Forbidden") -> GoogleApiError:
    return GoogleApiError(403, message, "forbidden")


def bad_request(message: str, reason: str = "badRequest") -> GoogleApiError:
    return GoogleApiError(400, message, reason)


def invalid_parameter(message: str, location: str) -> GoogleApiError:
    return GoogleApiError(
        400, message, "invalidParameter", domain="youtube.parameter", location=location
    )


def missing_parameter(name: str) -> GoogleApiError:
    return GoogleApiError(400, f"Required parameter: {name}", "required", location=name)


def quota_exceeded() -> GoogleApiError:
    """The daily unit quota is used up: 403, not 429, until midnight Pacific."""
    message = (
        'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
        'getting-started#quota">quota</a>.'
    )
    return GoogleApiError(403, message, "quotaExceeded", domain="youtube.quota", with_status=False)


def rate_limited(retry_after: int | None) -> GoogleApiError:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return GoogleApiError(
        429,
        "Resource has been exhausted (e.g. check quota).",
        "rateLimitExceeded",
        domain="usageLimits",
        detail="Rate Limit Exceeded",
        headers=headers,
    )


def backend_error() -> GoogleApiError:
    return GoogleApiError(
        503, "The service is currently unavailable.", "backendError", detail="Backend Error"
    )


class OAuthError(oauth.OAuthError):
    """The token/revoke endpoints' flat shape: ``{"error", "error_description"}``."""
