"""X API v2 error shapes: problem+json for the API, RFC 6749 bodies for the OAuth endpoints."""

from emulator import oauth
from emulator.core import FastJSONResponse

PROBLEMS = "https://api.twitter.com/2/problems/"
"""X still types its problems under the old host."""


class XProblem(Exception):
    """An API error answered as ``application/problem+json``."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        problem_type: str = "about:blank",
        *,
        extra: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.problem_type = problem_type
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        body: dict[str, object] = dict(self.extra)
        body.update(title=self.title, detail=self.detail, type=self.problem_type)
        if self.problem_type == "about:blank":
            body["status"] = self.status
        return body

    def response(self) -> FastJSONResponse:
        return FastJSONResponse(
            self.body(),
            status_code=self.status,
            headers=self.headers,
            media_type="application/problem+json",
        )


def unauthorized() -> XProblem:
    """401: missing, expired, revoked or foreign token (X does not say which)."""
    return XProblem(401, "Unauthorized", "Unauthorized")


def forbidden() -> XProblem:
    """403 for a token lacking the endpoint's scopes."""
    return XProblem(403, "Forbidden", "Forbidden")


def too_many_requests(headers: dict[str, str]) -> XProblem:
    return XProblem(429, "Too Many Requests", "Too Many Requests", headers=headers)


def usage_capped(headers: dict[str, str]) -> XProblem:
    """429 once the monthly pay-per-use cap of Post reads is used up."""
    return XProblem(
        429,
        "UsageCapExceeded",
        "Usage cap exceeded: Monthly product cap",
        PROBLEMS + "usage-capped",
        extra={"period": "Monthly", "scope": "Product"},
        headers=headers,
    )


def service_unavailable() -> XProblem:
    return XProblem(503, "Service Unavailable", "Service Unavailable")


def invalid_request(message: str, parameters: dict[str, list[str]]) -> XProblem:
    """400 naming the offending parameter values (an unknown field, a bad max_results, ...)."""
    return XProblem(
        400,
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        PROBLEMS + "invalid-request",
        extra={"errors": [{"parameters": parameters, "message": message}]},
    )


def invalid_value(parameter: str, value: str, allowed: tuple[str, ...]) -> XProblem:
    """X's wording for a list parameter holding a value it does not know (or no longer serves)."""
    return invalid_request(
        f"The `{parameter}` query parameter value [{value}] is not one of [{','.join(allowed)}]",
        {parameter: [value]},
    )


def not_found_route() -> FastJSONResponse:
    """Unknown paths answer with the legacy v1.1 shape, as X does."""
    body = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}
    return FastJSONResponse(body, status_code=404)


class OAuthError(oauth.OAuthError):
    """An error of ``/2/oauth2/*``: ``{"error", "error_description"}``."""


def invalid_token() -> OAuthError:
    """A dead, reused, revoked or foreign refresh token."""
    return OAuthError("invalid_request", "Value passed for the token was invalid.")


def invalid_code() -> OAuthError:
    return OAuthError("invalid_request", "Value passed for the authorization code was invalid.")


def unauthorized_client() -> OAuthError:
    """A confidential client that did not authenticate (or used the wrong secret)."""
    return OAuthError("unauthorized_client", "Missing valid authorization header", status=401)
