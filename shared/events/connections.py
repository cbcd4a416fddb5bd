"""Connection lifecycle, published by the connector (topic ``connector.connections.v1``).

Never carries a token: consumers that need one ask the connector's internal API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, TypeAdapter

from shared.events.base import Event
from shared.platforms import Platform


class _ConnectionEvent(Event):
    connection_id: UUID
    client_id: str
    platform: Platform


class ConnectionEstablished(_ConnectionEvent):
    """A client connected (or reconnected) an account: triggers the initial sync and backfill."""

    type: Literal["connection.established"] = "connection.established"
    platform_user_id: str
    username: str
    connected_at: datetime
    reconnected: bool = False


class ConnectionRemoved(_ConnectionEvent):
    """The client disconnected; history is kept unless ``purge_history``."""

    type: Literal["connection.removed"] = "connection.removed"
    purge_history: bool = False


class ReauthorizationRequired(_ConnectionEvent):
    """The platform no longer accepts the connection's tokens: the client must reconnect."""

    type: Literal["connection.reauth_required"] = "connection.reauth_required"
    reason: str


class TokenExpiringSoon(_ConnectionEvent):
    """The platform offers no way to extend this connection: ask the client to reconnect in time."""

    type: Literal["connection.token_expiring"] = "connection.token_expiring"
    expires_at: datetime
    days_left: int


ConnectionEvent = Annotated[
    ConnectionEstablished | ConnectionRemoved | ReauthorizationRequired | TokenExpiringSoon,
    Field(discriminator="type"),
]
connection_event_adapter: TypeAdapter[ConnectionEvent] = TypeAdapter(ConnectionEvent)
