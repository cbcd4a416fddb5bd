"""Disconnecting an account: revoke at the platform where it can, then forget the tokens.

Revoking is a courtesy to the client (the platform stops honouring a grant we no longer need),
never a condition: a platform that is down or refuses must not keep tokens alive here, so they
are deleted and ``connection.removed`` is queued whatever it answered.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector import connections
from services.connector.models import Connection
from services.connector.tokens import TokenKeeper
from shared.logging import get_logger
from shared.platforms import Platform
from shared.platforms.base import PlatformError
from shared.platforms.registry import PlatformClient

log = get_logger(__name__)


async def revoke(connection: Connection, client: PlatformClient, keeper: TokenKeeper) -> bool:
    """Best effort: True if the platform revoked the grant; a refusal is logged, not raised."""
    try:
        revoked = await client.revoke(
            access_token=keeper.decrypt_access(connection),
            refresh_token=keeper.decrypt_refresh(connection),
        )
    except PlatformError as failure:
        log.warning(
            "revoke failed; tokens deleted anyway",
            connection_id=str(connection.id),
            error_class=failure.error_class,
        )
        return False
    log.info("revoked at platform", connection_id=str(connection.id), revoked=revoked)
    return revoked


async def disconnect(
    session: AsyncSession,
    connection: Connection,
    *,
    clients: Mapping[Platform, PlatformClient],
    keeper: TokenKeeper,
    purge_history: bool,
) -> bool:
    """Revoke (when the platform is enabled), delete the tokens, queue ``connection.removed``;
    True if the platform revoked the grant.

    History stays downstream unless ``purge_history``. The caller wakes the outbox relay.
    """
    client = clients.get(connection.platform)
    revoked = client is not None and await revoke(connection, client, keeper)
    await connections.disconnect(session, connection, purge_history=purge_history)
    return revoked
