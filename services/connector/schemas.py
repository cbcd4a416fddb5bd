"""HTTP shapes of the connector. ``…Public`` models never carry tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


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
