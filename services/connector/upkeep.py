"""The connector's scheduled work: keep tokens alive, warn before they die, tidy up.

Runs every few minutes in every replica; the refresh lease makes concurrent replicas safe.
Each pass looks only at active connections whose tokens expire within the widest window that
matters (half of the longest lifetime), in bounded batches.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector import lifecycle
from services.connector.crypto import TokenCipher
from services.connector.models import Connection, ConnectionStatus, OAuthState
from services.connector.oauth import state_aad
from services.connector.tokens import (
    ReauthorizationNeeded,
    TokenKeeper,
    aad,
    mark_reauth_required,
)
from shared import clock, outbox
from shared.db.types import as_utc
from shared.events import TokenExpiringSoon
from shared.logging import get_logger
from shared.messaging import topics
from shared.platforms.base import PlatformError

log = get_logger(__name__)
#: Tokens expiring further out than this need nothing yet (60-day tokens refresh at 30 days).
HORIZON = timedelta(days=31)
#: Connections one upkeep pass looks at (the soonest to expire first; the next pass goes on).
UPKEEP_BATCH = 500
#: Connections re-encrypted per transaction by :func:`reencrypt_all`.
REENCRYPT_BATCH = 500
#: Characters of a failed refresh's error kept in its log line.
LOGGED_ERROR_LENGTH = 200


async def keep_tokens_alive(keeper: TokenKeeper) -> dict[str, int]:
    """One pass: refresh what is due, warn what cannot be refreshed, flag what is dead."""
    now = clock.now()
    counts = {"refreshed": 0, "failed": 0, "warned": 0, "dead": 0}
    async with keeper.sessions() as session:
        rows = (
            await session.exec(
                select(Connection)
                .where(
                    Connection.status == ConnectionStatus.ACTIVE,
                    col(Connection.access_expires_at).is_not(None),
                    col(Connection.access_expires_at) <= now + HORIZON,
                )
                .order_by(col(Connection.access_expires_at))
                .limit(UPKEEP_BATCH)
            )
        ).all()
        due = []
        for connection in rows:
            client = keeper.clients.get(connection.platform)
            if client is None:
                continue
            policy = client.refresh_policy
            expires_at = as_utc(connection.access_expires_at)
            has_refresh = connection.refresh_token_ct is not None
            if lifecycle.is_dead(
                policy, now=now, expires_at=expires_at, has_refresh_token=has_refresh
            ):
                if mark_reauth_required(session, connection, "the access token expired"):
                    counts["dead"] += 1
            elif lifecycle.expiry_warning_due(
                policy,
                now=now,
                expires_at=expires_at,
                has_refresh_token=has_refresh,
                warned_at=as_utc(connection.expiry_warned_at),
            ):
                _warn(session, connection)
                counts["warned"] += 1
            elif lifecycle.refresh_due(
                policy,
                now=now,
                expires_at=expires_at,
                refreshed_at=as_utc(connection.token_refreshed_at) or now,
                has_refresh_token=has_refresh,
            ):
                due.append(connection.id)
        await session.commit()
    if counts["dead"] or counts["warned"]:
        keeper.on_enqueued()
    for connection_id in due:
        try:
            await keeper.refresh(connection_id, reason="scheduled")
            counts["refreshed"] += 1
        except (ReauthorizationNeeded, PlatformError) as error:
            counts["failed"] += 1
            log.warning(
                "scheduled refresh failed",
                connection_id=str(connection_id),
                error=str(error)[:LOGGED_ERROR_LENGTH],
            )
    if any(counts.values()):
        log.info("token upkeep", **counts)
    return counts


def _warn(session: AsyncSession, connection: Connection) -> None:
    expires_at = as_utc(connection.access_expires_at)
    assert expires_at is not None
    connection.expiry_warned_at = clock.now()
    session.add(connection)
    outbox.enqueue(
        session,
        topics.CONNECTIONS,
        TokenExpiringSoon(
            connection_id=connection.id,
            client_id=connection.client_id,
            platform=connection.platform,
            expires_at=expires_at,
            days_left=max(0, (expires_at - clock.now()).days),
        ),
        key=str(connection.id),
    )


async def reencrypt_all(session: AsyncSession, cipher: TokenCipher) -> int:
    """Re-encrypt every stored secret under the primary key; returns how many were rewritten.

    Run after adding a new primary key, before removing the old one from the configuration.
    """
    rewritten = 0
    offset = 0
    while True:
        batch = (
            await session.exec(
                select(Connection)
                .order_by(col(Connection.id))
                .offset(offset)
                .limit(REENCRYPT_BATCH)
            )
        ).all()
        if not batch:
            break
        for connection in batch:
            for field, attribute in (
                ("access", "access_token_ct"),
                ("refresh", "refresh_token_ct"),
            ):
                value = getattr(connection, attribute)
                if value and cipher.needs_rotation(value):
                    bound = aad(connection.id, field)
                    setattr(
                        connection,
                        attribute,
                        cipher.encrypt(cipher.decrypt(value, aad=bound), aad=bound),
                    )
                    rewritten += 1
            session.add(connection)
        await session.commit()
        offset += len(batch)
    for state in (await session.exec(select(OAuthState))).all():
        if state.code_verifier_ct and cipher.needs_rotation(state.code_verifier_ct):
            bound = state_aad(state.state_hash)
            state.code_verifier_ct = cipher.encrypt(
                cipher.decrypt(state.code_verifier_ct, aad=bound), aad=bound
            )
            session.add(state)
            rewritten += 1
    await session.commit()
    return rewritten
