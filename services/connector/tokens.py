"""Token custody in use: lending access tokens, refreshing them, noticing when they die.

Refreshing is where tokens get lost, so the rules are strict:

* one refresh per connection at a time, across replicas: a lease row-lock taken by a conditional
  UPDATE (works on SQLite and PostgreSQL), plus an in-process lock;
* the platform's answer is committed before the new access token is handed to anyone, so a
  rotated (single-use) refresh token is never lost because a caller failed afterwards;
* a refresh the platform refuses for good marks the connection ``reauth_required`` and queues a
  ``connection.reauth_required`` event (outbox, same transaction).

Lending comes one connection at a time (:meth:`TokenKeeper.lend`) or a batch at a time
(:meth:`TokenKeeper.lend_many`): the ingestor handles sync requests in batches of hundreds, and
one query for the batch costs far less than one round trip (and one query) per connection.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector.crypto import TokenCipher
from services.connector.lifecycle import needs_refresh_before_use
from services.connector.models import REAUTH_REASON_LENGTH, Connection, ConnectionStatus
from shared import clock, outbox
from shared.db.types import as_utc
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
#: Refreshes one batch runs at once: enough to hide the platforms' latency, few enough not to
#: hold a database connection per refresh or to look like a burst to a platform's token endpoint.
BATCH_REFRESH_CONCURRENCY = 8


class ReauthorizationNeeded(Exception):
    """The platform no longer accepts this connection's tokens."""


class ConnectionGone(LookupError):
    """No such connection (or it was disconnected)."""


#: Why a connection's token cannot be lent right now (what :meth:`TokenKeeper.lend` raises).
LendRefusal = ConnectionGone | ReauthorizationNeeded | PlatformError


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
    reason = reason[:REAUTH_REASON_LENGTH]
    connection.reauth_reason = reason
    connection.updated_at = clock.now()
    session.add(connection)
    outbox.enqueue(
        session,
        topics.CONNECTIONS,
        ReauthorizationRequired(
            connection_id=connection.id,
            client_id=connection.client_id,
            platform=connection.platform,
            reason=reason,
        ),
        key=str(connection.id),
    )
    log.warning(
        "connection needs re-authorization",
        connection_id=str(connection.id),
        platform=connection.platform,
    )
    return True


def _usable(connection_id: uuid.UUID, connection: Connection | None) -> Connection:
    """The connection if its tokens may be lent; else why not (gone, or to be reconnected)."""
    if connection is None:
        raise ConnectionGone(str(connection_id))
    if connection.status != ConnectionStatus.ACTIVE:
        raise ReauthorizationNeeded(connection.reauth_reason or "re-authorization required")
    return connection


def _expiring(connection: Connection, now: datetime) -> bool:
    return needs_refresh_before_use(now=now, expires_at=as_utc(connection.access_expires_at))


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
        """The connection with a usable access token (refreshed first when needed).

        Raises one of :data:`LendRefusal`.
        """
        async with self.sessions() as session:
            connection = await self._load(session, connection_id)
        if force_refresh or _expiring(connection, clock.now()):
            connection = await self.refresh(connection_id, reason="on demand")
        return connection

    async def lend_many(
        self, connection_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, Connection | LendRefusal]:
        """:meth:`lend` for a batch: each distinct id → its connection, or why it cannot be lent.

        The rules per connection are :meth:`lend`'s (without a forced refresh, which answers a
        refusal of one token and stays a single call). The batch is read in ONE query; only the
        tokens about to expire go through :meth:`refresh` (lease and all), at most
        :data:`BATCH_REFRESH_CONCURRENCY` at a time. The answer keeps the order of first
        appearance; an id asked twice is answered (and refreshed) once.

        A failure other than a :data:`LendRefusal` propagates, as it would from :meth:`lend`, but
        only once every refresh of the batch has finished: a refresh abandoned halfway could lose
        a rotated refresh token the platform already issued.
        """
        wanted = list(dict.fromkeys(connection_ids))
        if not wanted:
            return {}
        async with self.sessions() as session:
            rows = await session.exec(select(Connection).where(col(Connection.id).in_(wanted)))
            found = {row.id: row for row in rows.all()}
        now = clock.now()
        lent: dict[uuid.UUID, Connection | LendRefusal] = {}
        expiring: list[uuid.UUID] = []
        for connection_id in wanted:
            try:
                connection = _usable(connection_id, found.get(connection_id))
            except (ConnectionGone, ReauthorizationNeeded) as refusal:
                lent[connection_id] = refusal
                continue
            if _expiring(connection, now):
                expiring.append(connection_id)
            else:
                lent[connection_id] = connection
        if expiring:
            gate = asyncio.Semaphore(BATCH_REFRESH_CONCURRENCY)

            async def refresh_one(connection_id: uuid.UUID) -> Connection:
                async with gate:
                    return await self.refresh(connection_id, reason="on demand (batch)")

            outcomes = await asyncio.gather(
                *(refresh_one(c) for c in expiring), return_exceptions=True
            )
            for connection_id, outcome in zip(expiring, outcomes, strict=True):
                if not isinstance(outcome, Connection | LendRefusal):
                    raise outcome
                lent[connection_id] = outcome
        return {connection_id: lent[connection_id] for connection_id in wanted}

    async def refresh(self, connection_id: uuid.UUID, *, reason: str) -> Connection:
        """Refresh now; returns the connection with its new tokens (already committed)."""
        lock = self._locks.setdefault(connection_id, asyncio.Lock())
        async with lock:
            before = clock.now()
            if not await self._acquire_lease(connection_id):
                return await self._wait_for_other_refresh(connection_id, since=before)
            try:
                return await self._refresh_holding_lease(connection_id, reason)
            finally:
                await self._release_lease(connection_id)

    async def _refresh_holding_lease(self, connection_id: uuid.UUID, reason: str) -> Connection:
        async with self.sessions() as session:
            connection = await self._load(session, connection_id)
            client = self.clients[connection.platform]
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
            store_grant(connection, grant, self.cipher, clock.now())
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
        return _usable(connection_id, await session.get(Connection, connection_id))

    async def _acquire_lease(self, connection_id: uuid.UUID) -> bool:
        now = clock.now()
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
        """Another replica is refreshing: wait for its result instead of spending the token.

        The wait is timed on the monotonic clock (a time-out, not a business "now"), and the
        connection is read at least once, so the error names its platform whatever the clock.
        """
        deadline = time.monotonic() + LEASE.total_seconds()
        while True:
            await asyncio.sleep(0.2)
            async with self.sessions() as session:
                connection = await self._load(session, connection_id)
            refreshed_at = as_utc(connection.token_refreshed_at)
            if connection.refresh_lease_until is None or (refreshed_at and refreshed_at >= since):
                return connection
            if time.monotonic() >= deadline:
                raise PlatformError(
                    connection.platform, ErrorClass.TRANSIENT, "another refresh is still running"
                )
