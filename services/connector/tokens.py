"""Token custody in use: lending access tokens, refreshing them, noticing when they die.

Refreshing is where tokens get lost, so the rules are strict:

* one refresh per connection at a time, across replicas: a lease row-lock taken by a conditional
  UPDATE (works on SQLite and PostgreSQL), plus an in-process lock;
* the platform's answer is committed before the new access token is handed to anyone, so a
  rotated (single-use) refresh token is never lost because a caller failed afterwards;
* a refresh the platform refuses for good marks the connection ``reauth_required`` and queues a
  ``connection.reauth_required`` event (outbox, same transaction).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector.crypto import TokenCipher
from services.connector.lifecycle import needs_refresh_before_use
from services.connector.models import Connection, ConnectionStatus
from shared import outbox
from shared.db.types import as_utc, utcnow
from shared.events import ReauthorizationRequired
from shared.logging import get_logger
from shared.messaging import topics
from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from shared.platforms.registry import PlatformClient

log = get_logger(__name__)
LEASE = timedelta(seconds=60)
#: Classes of refusal that mean the grant itself is gone.
_DEAD = {ErrorClass.REAUTH_REQUIRED, ErrorClass.TOKEN_EXPIRED}


class ReauthorizationNeeded(Exception):
    """The platform no longer accepts this connection's tokens."""


class ConnectionGone(LookupError):
    """No such connection (or it was disconnected)."""


def aad(connection_id: uuid.UUID, field: str) -> str:
    """Associated data: a ciphertext only decrypts in its own row and field."""
    return f"connection:{connection_id}:{field}"


def store_grant(
    connection: Connection, grant: TokenGrant, cipher: TokenCipher, now: datetime
) -> None:
    """Put a grant's tokens into ``connection`` (encrypted); a missing refresh token keeps ours."""
    connection.access_token_ct = cipher.encrypt(
        grant.access_token, aad=aad(connection.id, "access")
    )
    connection.access_expires_at = (
        now + timedelta(seconds=grant.expires_in) if grant.expires_in else None
    )
    if grant.refresh_token:
        connection.refresh_token_ct = cipher.encrypt(
            grant.refresh_token, aad=aad(connection.id, "refresh")
        )
        connection.refresh_expires_at = (
            now + timedelta(seconds=grant.refresh_expires_in) if grant.refresh_expires_in else None
        )
    if grant.scopes:
        connection.scopes = ",".join(grant.scopes)
    connection.token_refreshed_at = now
    connection.updated_at = now
    connection.expiry_warned_at = None


def mark_reauth_required(session: AsyncSession, connection: Connection, reason: str) -> bool:
    """Flag the connection and queue the event; False if it was flagged already."""
    if connection.status == ConnectionStatus.REAUTH_REQUIRED:
        return False
    connection.status = ConnectionStatus.REAUTH_REQUIRED
    connection.reauth_reason = reason[:500]
    connection.updated_at = utcnow()
    session.add(connection)
    outbox.enqueue(
        session,
        topics.CONNECTIONS,
        ReauthorizationRequired(
            connection_id=connection.id,
            client_id=connection.client_id,
            platform=Platform(connection.platform),
            reason=reason[:500],
        ),
        key=str(connection.id),
    )
    log.warning(
        "connection needs re-authorization",
        connection_id=str(connection.id),
        platform=connection.platform,
    )
    return True


class TokenKeeper:
    """Lends usable access tokens and refreshes them, one refresh per connection at a time."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: TokenCipher,
        clients: dict[Platform, PlatformClient],
        *,
        owner: str | None = None,
        on_enqueued: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.clients = clients
        self.owner = owner or uuid.uuid4().hex
        self.on_enqueued = on_enqueued
        self._locks: dict[uuid.UUID, asyncio.Lock] = {}

    def decrypt_access(self, connection: Connection) -> str:
        return self.cipher.decrypt(connection.access_token_ct, aad=aad(connection.id, "access"))

    def decrypt_refresh(self, connection: Connection) -> str | None:
        if connection.refresh_token_ct is None:
            return None
        return self.cipher.decrypt(connection.refresh_token_ct, aad=aad(connection.id, "refresh"))

    async def lend(self, connection_id: uuid.UUID, *, force_refresh: bool = False) -> Connection:
        """The connection with a usable access token (refreshed first when needed)."""
        async with self.sessions() as session:
            connection = await self._load(session, connection_id)
        expiring = needs_refresh_before_use(
            now=utcnow(), expires_at=as_utc(connection.access_expires_at)
        )
        if force_refresh or expiring:
            connection = await self.refresh(connection_id, reason="on demand")
        return connection

    async def refresh(self, connection_id: uuid.UUID, *, reason: str) -> Connection:
        """Refresh now; returns the connection with its new tokens (already committed)."""
        lock = self._locks.setdefault(connection_id, asyncio.Lock())
        async with lock:
            before = utcnow()
            if not await self._acquire_lease(connection_id):
                return await self._wait_for_other_refresh(connection_id, since=before)
            try:
                return await self._refresh_holding_lease(connection_id, reason)
            finally:
                await self._release_lease(connection_id)

    async def _refresh_holding_lease(self, connection_id: uuid.UUID, reason: str) -> Connection:
        async with self.sessions() as session:
            connection = await self._load(session, connection_id)
            client = self.clients[Platform(connection.platform)]
            try:
                grant = await client.refresh(
                    access_token=self.decrypt_access(connection),
                    refresh_token=self.decrypt_refresh(connection),
                )
            except PlatformError as error:
                if error.error_class in _DEAD:
                    mark_reauth_required(session, connection, f"refresh refused: {error.message}")
                    await session.commit()
                    self.on_enqueued()
                    raise ReauthorizationNeeded(error.message) from error
                raise
            store_grant(connection, grant, self.cipher, utcnow())
            session.add(connection)
            await session.commit()  # stored before anyone uses the new access token
            log.info(
                "token refreshed",
                connection_id=str(connection_id),
                platform=connection.platform,
                why=reason,
                rotated=grant.refresh_token is not None,
            )
            return connection

    async def _load(self, session: AsyncSession, connection_id: uuid.UUID) -> Connection:
        connection = await session.get(Connection, connection_id)
        if connection is None:
            raise ConnectionGone(str(connection_id))
        if connection.status != ConnectionStatus.ACTIVE:
            raise ReauthorizationNeeded(connection.reauth_reason or "re-authorization required")
        return connection

    async def _acquire_lease(self, connection_id: uuid.UUID) -> bool:
        now = utcnow()
        async with self.sessions() as session:
            connection = await session.connection()
            result = await connection.execute(
                update(Connection)
                .where(
                    col(Connection.id) == connection_id,
                    or_(
                        col(Connection.refresh_lease_until).is_(None),
                        col(Connection.refresh_lease_until) < now,
                    ),
                )
                .values(refresh_lease_until=now + LEASE, refresh_lease_owner=self.owner)
            )
            await session.commit()
        return bool(result.rowcount)

    async def _release_lease(self, connection_id: uuid.UUID) -> None:
        async with self.sessions() as session:
            connection = await session.connection()
            await connection.execute(
                update(Connection)
                .where(
                    col(Connection.id) == connection_id,
                    col(Connection.refresh_lease_owner) == self.owner,
                )
                .values(refresh_lease_until=None, refresh_lease_owner=None)
            )
            await session.commit()

    async def _wait_for_other_refresh(
        self, connection_id: uuid.UUID, *, since: datetime
    ) -> Connection:
        """Another replica is refreshing: wait for its result instead of spending the token."""
        deadline = utcnow() + LEASE
        while utcnow() < deadline:
            await asyncio.sleep(0.2)
            async with self.sessions() as session:
                connection = await self._load(session, connection_id)
            refreshed_at = as_utc(connection.token_refreshed_at)
            if connection.refresh_lease_until is None or (refreshed_at and refreshed_at >= since):
                return connection
        raise PlatformError(
            Platform(connection.platform), ErrorClass.TRANSIENT, "another refresh is still running"
        )
