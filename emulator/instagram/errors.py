"""Instagram/Meta error shapes: Graph API errors and the OAuth token endpoint's own shape."""

import secrets
import string

from fastapi.responses import JSONResponse

_TRACE_ALPHABET = string.ascii_letters + string.digits + "_-"


def fbtrace_id() -> str:
    """A Meta-looking trace id (random: it identifies one response, not data)."""
    return "A" + "".join(secrets.choice(_TRACE_ALPHABET) for _ in range(22))


class MetaError(Exception):
    """A Graph API error: ``{"error": {message, type, code, error_subcode?, fbtrace_id}}``."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        status: int = 400,
        error_type: str = "OAuthException",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subcode = subcode
        self.status = status
        self.error_type = error_type
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """The JSON body Meta returns."""
        error: dict[str, object] = {
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}

    def response(self) -> JSONResponse:
        """Render as an HTTP response."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def invalid_parameter(message: str) -> MetaError:
    """Code 100: invalid parameter, field or metric (``permission_or_input`` for clients)."""
    return MetaError(100, f"(#100) {message}")


def no_permission() -> MetaError:
    """Code 10: missing permission (scope not granted, personal account)."""
    return MetaError(10, "(#10) Application does not have permission for this action", status=403)


def unknown_object(object_id: str) -> MetaError:
    """Code 100 / subcode 33: object missing or not visible to this token."""
    return MetaError(
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation.",
        subcode=33,
        error_type="GraphMethodException",
    )


class OAuthEndpointError(Exception):
    """An error of ``api.instagram.com/oauth/*``, whose shape differs from the Graph API's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def body(self) -> dict[str, object]:
        """``{"error_type": "OAuthException", "code": 400, "error_message": ...}``."""
        return {"error_type": "OAuthException", "code": self.status, "error_message": self.message}

    def response(self) -> JSONResponse:
        """Render as an HTTP response."""
        return JSONResponse(self.body(), status_code=self.status)
