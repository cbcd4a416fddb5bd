"""HTTP shapes of the connector. ``…Public`` models never carry tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.token_lending import MAX_TOKEN_BATCH


class ConnectStart(BaseModel):
    platform: str
    authorization_url: str
    state_expires_at: datetime


class ConnectionPublic(BaseModel):
    id: uuid.UUID
    client_id: str
    platform: str
    platform_user_id: str
    username: str
    status: str
    connected_at: datetime
    last_synced_at: datetime | None
    token_health: str
    token_expires_at: datetime | None
    reauth_reason: str | None = None


class SyncAccepted(BaseModel):
    connection_id: uuid.UUID
    requested_at: datetime


class AccessTokenGrant(BaseModel):
    """Internal answer to the ingestor: the access token only, never the refresh token."""

    connection_id: uuid.UUID
    platform: str
    platform_user_id: str
    access_token: str
    expires_at: datetime | None


class AccessTokensRequest(BaseModel):
    """Internal: the connections whose access tokens the ingestor needs for a batch of syncs."""

    connection_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=MAX_TOKEN_BATCH,
        description=f"1 to {MAX_TOKEN_BATCH} ids; an id given twice is answered once.",
    )


class TokenUnavailable(BaseModel):
    """Why one connection's token was not lent; the single route's error status, per id.

    ``gone`` ↔ 404, ``reauth_required`` ↔ 409, ``retry_later`` ↔ 503 (``retry_after`` ↔ its
    ``Retry-After``, in seconds; null otherwise).
    """

    connection_id: uuid.UUID
    reason: Literal["gone", "reauth_required", "retry_later"]
    detail: str
    retry_after: int | None = None


class AccessTokenBatch(BaseModel):
    """Internal answer to a batch: every requested id exactly once, in one of the two lists."""

    tokens: list[AccessTokenGrant]
    unavailable: list[TokenUnavailable]
