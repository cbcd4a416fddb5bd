"""LinkedIn error shapes: the REST (Rest.li) envelope and the OAuth endpoints' own shape."""

from emulator import oauth
from emulator.core import FastJSONResponse


class RestError(Exception):
    """api.linkedin.com errors: ``{status, serviceErrorCode?, code?, message, errorDetails?}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        service_code: int | None = None,
        details: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.service_code = service_code
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """The JSON body LinkedIn returns."""
        body: dict[str, object] = {"status": self.status}
        if self.service_code is not None:
            body["serviceErrorCode"] = self.service_code
        if self.code is not None:
            body["code"] = self.code
        body["message"] = self.message
        if self.details is not None:
            body["errorDetails"] = self.details
        return body

    def response(self) -> FastJSONResponse:
        """Render as an HTTP response."""
        return FastJSONResponse(self.body(), status_code=self.status, headers=self.headers)


def expired_token() -> RestError:
    """401 for an access token past its 60 days."""
    return RestError(
        401,
        "The token used in the request has expired",
        code="EXPIRED_ACCESS_TOKEN",
        service_code=65602,
    )


def revoked_token() -> RestError:
    """401 for a token the member revoked (or that LinkedIn invalidated)."""
    return RestError(
        401,
        "The token used in the request has been revoked by the user",
        code="REVOKED_ACCESS_TOKEN",
        service_code=65601,
    )


def invalid_token() -> RestError:
    """401 for a missing or unparsable token."""
    return RestError(401, "Invalid access token", code="INVALID_ACCESS_TOKEN", service_code=65600)


def access_denied(resource: str) -> RestError:
    """403 when the token lacks the permission the resource needs."""
    return RestError(
        403,
        f"Not enough permissions to access: {resource}",
        code="ACCESS_DENIED",
        service_code=100,
    )


def invalid_value(field: str, message: str) -> RestError:
    """400 with Rest.li ``errorDetails.inputErrors`` (bad enum value, malformed parameter)."""
    return RestError(
        400,
        "Invalid param. Please see errorDetails for more information.",
        details={
            "inputErrors": [
                {
                    "description": message,
                    "input": {"inputPath": {"fieldPath": field}},
                    "code": "INVALID_VALUE",
                }
            ]
        },
    )


def illegal_argument(message: str) -> RestError:
    """400 for a missing or malformed finder argument."""
    return RestError(400, message, code="ILLEGAL_ARGUMENT")


def too_many_requests(
    message: str, retry_after: int | None = None, *, service_code: int = 101
) -> RestError:
    """429: LinkedIn's limits are per application and per member per day (reset at 00:00 UTC)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return RestError(
        429, message, code="TOO_MANY_REQUESTS", service_code=service_code, headers=headers
    )


def server_error() -> RestError:
    """500 of a transient backend failure."""
    return RestError(500, "Internal Server Error", code="INTERNAL_SERVER_ERROR")


class OAuthError(oauth.OAuthError):
    """``{"error", "error_description"}`` of www.linkedin.com/oauth/v2/*."""


def invalid_code() -> OAuthError:
    """LinkedIn's answer to a used, expired or mismatched authorization code."""
    return OAuthError(
        "invalid_request",
        "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
        "authorization code. Or authorization code expired. Or external member binding exists",
    )


def invalid_refresh_token() -> OAuthError:
    """A refresh token that is expired, revoked or not ours."""
    return OAuthError(
        "invalid_grant",
        "The provided authorization grant or refresh token is invalid, expired or revoked.",
    )


def invalid_client() -> OAuthError:
    """Wrong client id or secret."""
    return OAuthError("invalid_client", "Client authentication failed", status=401)
