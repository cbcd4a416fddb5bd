"""The connection records: storing a grant, listing, disconnecting, asking for a sync.

Plain async functions over a session; ``api.py`` only translates HTTP. Every state change that
others must hear about queues its event in the same transaction (outbox).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector.crypto import TokenCipher
from services.connector.lifecycle import EXPIRY_WARNING, can_refresh
from services.connector.models import Connection, ConnectionStatus
from services.connector.schemas import ConnectionPublic
from services.connector.tokens import store_grant
from shared import clock, outbox
from shared.db.types import as_utc
from shared.events import ConnectionEstablished, ConnectionRemoved, SyncReason, SyncRequested
from shared.logging import get_logger
from shared.messaging import topics
from shared.platforms import Platform
from shared.platforms.base import RefreshPolicy, TokenGrant

log = get_logger(__name__)


class NotFound(LookupError):
    """No such connection for this caller (another client's id looks the same: no leak)."""


class NotActive(Exception):
    """The connection needs re-authorization first."""


@dataclass(frozen=True)
class TooSoon(Exception):
    """A sync was requested less than the allowed interval ago."""

    retry_after: int


async def store_connection(
    session: AsyncSession,
    *,
    client_id: str,
    platform: Platform,
    grant: TokenGrant,
    platform_user_id: str,
    username: str,
    cipher: TokenCipher,
) -> Connection:
    """One connection per client and platform; reconnecting the same account keeps its id.

    Keeping the id keeps the history (everything downstream is keyed by it) and, through
    :func:`~services.connector.tokens.store_grant`, a refresh token the platform did not re-issue.
    Connecting a *different* account on the same platform disconnects the old one (its history
    stays) and starts a new connection.
    """
    now = clock.now()
    existing = (
        await session.exec(
            select(Connection).where(
                Connection.client_id == client_id, Connection.platform == platform
            )
        )
    ).first()
    reconnected = existing is not None and existing.platform_user_id == platform_user_id
    if existing is not None and not reconnected:
        _queue_removal(session, existing, purge_history=False)
        await session.delete(existing)
        await session.flush()
        existing = None
    connection = existing or Connection(
        client_id=client_id,
        platform=platform,
        platform_user_id=platform_user_id,
        username=username,
        access_token_ct="",
        connected_at=now,
    )
    connection.username = username
    connection.status = ConnectionStatus.ACTIVE
    connection.reauth_reason = None
    store_grant(connection, grant, cipher, now)
    session.add(connection)
    outbox.enqueue(
        session,
        topics.CONNECTIONS,
        ConnectionEstablished(
            connection_id=connection.id,
            client_id=client_id,
            platform=platform,
            platform_user_id=platform_user_id,
            username=username,
            connected_at=as_utc(connection.connected_at) or now,
            reconnected=reconnected,
        ),
        key=str(connection.id),
    )
    await session.commit()
    log.info(
        "connection stored",
        connection_id=str(connection.id),
        platform=platform.value,
        reconnected=reconnected,
    )
    return connection


def _queue_removal(session: AsyncSession, connection: Connection, *, purge_history: bool) -> None:
    outbox.enqueue(
        session,
        topics.CONNECTIONS,
        ConnectionRemoved(
            connection_id=connection.id,
            client_id=connection.client_id,
            platform=connection.platform,
            purge_history=purge_history,
        ),
        key=str(connection.id),
    )


def token_health(connection: Connection, policy: RefreshPolicy, now: datetime | None = None) -> str:
    """``ok``, ``expiring`` (cannot be extended and dies within days), ``expired`` or
    ``reauth_required`` — what a coach needs to know, without exposing anything secret."""
    if connection.status != ConnectionStatus.ACTIVE:
        return "reauth_required"
    now = now or clock.now()
    expires = as_utc(connection.access_expires_at)
    if expires is None or can_refresh(
        policy, has_refresh_token=connection.refresh_token_ct is not None
    ):
        return "ok"
    if expires <= now:
        return "expired"
    return "expiring" if expires - now <= EXPIRY_WARNING else "ok"


def to_public(connection: Connection, policy: RefreshPolicy) -> ConnectionPublic:
    return ConnectionPublic(
        id=connection.id,
        client_id=connection.client_id,
        platform=connection.platform,
        platform_user_id=connection.platform_user_id,
        username=connection.username,
        status=connection.status,
        connected_at=as_utc(connection.connected_at) or clock.now(),
        last_synced_at=as_utc(connection.last_synced_at),
        token_health=token_health(connection, policy),
        token_expires_at=as_utc(connection.access_expires_at),
        reauth_reason=connection.reauth_reason,
    )


async def list_connections(session: AsyncSession, client_id: str | None) -> list[Connection]:
    query = select(Connection).order_by(col(Connection.connected_at))
    if client_id is not None:
        query = query.where(Connection.client_id == client_id)
    return list((await session.exec(query)).all())


async def owned(
    session: AsyncSession, connection_id: uuid.UUID, client_id: str | None
) -> Connection:
    """The connection if ``client_id`` owns it (``None``: an admin, who may see any)."""
    connection = await session.get(Connection, connection_id)
    if connection is None or (client_id is not None and connection.client_id != client_id):
        raise NotFound(str(connection_id))
    return connection


async def disconnect(session: AsyncSession, connection: Connection, *, purge_history: bool) -> None:
    """Delete the connection and its tokens and queue ``connection.removed``.

    Revoking at the platform happens before this (best effort, :mod:`.disconnection`): the
    tokens are deleted here whatever the platform answered.
    """
    _queue_removal(session, connection, purge_history=purge_history)
    await session.delete(connection)
    await session.commit()
    log.info("connection removed", connection_id=str(connection.id), purge=purge_history)


async def request_sync(
    session: AsyncSession, connection: Connection, *, interval: timedelta
) -> datetime:
    """Queue an on-demand sync, at most once per ``interval`` per connection."""
    if connection.status != ConnectionStatus.ACTIVE:
        raise NotActive(connection.reauth_reason or "re-authorization required")
    now = clock.now()
    last = as_utc(connection.last_sync_requested_at)
    if last is not None and now - last < interval:
        raise TooSoon(retry_after=max(1, int((last + interval - now).total_seconds()) + 1))
    connection.last_sync_requested_at = now
    session.add(connection)
    outbox.enqueue(
        session,
        topics.SYNC_REQUESTS,
        SyncRequested(
            connection_id=connection.id,
            client_id=connection.client_id,
            platform=connection.platform,
            reason=SyncReason.ON_DEMAND,
        ),
        key=str(connection.id),
    )
    await session.commit()
    return now


async def record_sync(
    session: AsyncSession, connection_id: uuid.UUID, fetched_at: datetime
) -> None:
    """Idempotent: keeps the latest fetch time whatever order snapshots arrive in."""
    connection = await session.get(Connection, connection_id)
    if connection is None:
        return
    last = as_utc(connection.last_synced_at)
    if last is None or fetched_at > last:
        connection.last_synced_at = fetched_at
        session.add(connection)
        await session.commit()
