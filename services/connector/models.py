"""The connector's tables: connections with their encrypted tokens, and pending OAuth states."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import clock
from shared.db.types import enum_field, timestamp_field
from shared.outbox import OutboxMessage
from shared.platforms import Platform

__all__ = ["REAUTH_REASON_LENGTH", "Connection", "ConnectionStatus", "OAuthState", "OutboxMessage"]

#: The longest reason for a re-authorization kept (longer platform messages are cut).
REAUTH_REASON_LENGTH = 500


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    REAUTH_REQUIRED = "reauth_required"


class Connection(SQLModel, table=True):
    """One client's account on one platform (one per client and platform)."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("client_id", "platform", name="uq_connections_client_platform"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: str = Field(index=True, max_length=128)
    platform: Platform = enum_field(Platform, length=32)
    platform_user_id: str = Field(max_length=128)
    username: str = Field(max_length=255)
    status: ConnectionStatus = enum_field(
        ConnectionStatus, length=32, default=ConnectionStatus.ACTIVE
    )
    scopes: str = Field(default="", max_length=1000)
    #: ``v1.<kid>.<…>`` AES-256-GCM ciphertexts; never the clear token.
    access_token_ct: str
    refresh_token_ct: str | None = None
    access_expires_at: datetime | None = timestamp_field(default=None)
    refresh_expires_at: datetime | None = timestamp_field(default=None)
    connected_at: datetime = timestamp_field(default_factory=clock.now)
    updated_at: datetime = timestamp_field(default_factory=clock.now)
    token_refreshed_at: datetime = timestamp_field(default_factory=clock.now)
    last_synced_at: datetime | None = timestamp_field(default=None)
    #: On-demand syncs are limited per connection (see ``sync_request_interval``).
    last_sync_requested_at: datetime | None = timestamp_field(default=None)
    #: Why the platform stopped accepting the tokens (``status == reauth_required``).
    reauth_reason: str | None = Field(default=None, max_length=REAUTH_REASON_LENGTH)
    #: When the client was told that an unrefreshable token is about to die.
    expiry_warned_at: datetime | None = timestamp_field(default=None)
    #: A refresh in progress elsewhere holds the lease: single-use refresh tokens must never be
    #: spent twice, whatever the number of connector replicas.
    refresh_lease_until: datetime | None = timestamp_field(default=None)
    refresh_lease_owner: str | None = Field(default=None, max_length=64)


class OAuthState(SQLModel, table=True):
    """A pending authorization: single-use, expiring, bound to the client who started it.

    Only the SHA-256 of ``state`` is stored, so a database read does not yield usable states.
    """

    __tablename__ = "oauth_states"

    state_hash: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=128)
    platform: Platform = enum_field(Platform, length=32)
    redirect_uri: str = Field(max_length=1000)
    code_verifier_ct: str | None = None
    created_at: datetime = timestamp_field(default_factory=clock.now)
    expires_at: datetime = timestamp_field(index=True)
