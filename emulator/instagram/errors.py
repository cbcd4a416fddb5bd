"""Instagram's OAuth token endpoint error shape (Graph API errors live in :mod:`emulator.meta`)."""

from fastapi.responses import JSONResponse


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
