"""The connector's use cases: start a connection, complete it, list it, lend its access token.

Plain async functions over a session and the platform clients; ``api.py`` only translates HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector.crypto import TokenCipher
from services.connector.models import Connection, ConnectionStatus, OAuthState
from services.connector.schemas import AccessTokenGrant, ConnectionPublic
from services.connector.settings import ConnectorSettings
from shared import outbox
from shared.db.types import as_utc, utcnow
from shared.events import ConnectionEstablished, ConnectionRemoved
from shared.logging import get_logger
from shared.messaging import topics
from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError, TokenGrant
from shared.platforms.registry import PlatformClient

log = get_logger(__name__)
EXPIRING_SOON = timedelta(days=7)


class ConnectError(Exception):
    """A connection attempt that failed for a reason the user should read."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(LookupError):
    pass


_now = utcnow
_aware = as_utc


def hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def redirect_uri(settings: ConnectorSettings, platform: Platform) -> str:
    return f"{settings.public_base_url.rstrip('/')}/api/portal/social/callback/{platform.value}"


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    return verifier, challenge


def _aad(connection_id: uuid.UUID, field: str) -> str:
    return f"connection:{connection_id}:{field}"


@dataclass(frozen=True)
class ConnectionStarted:
    authorization_url: str
    expires_at: datetime


async def start_connect(
    session: AsyncSession,
    *,
    client_id: str,
    platform: Platform,
    client: PlatformClient,
    settings: ConnectorSettings,
    cipher: TokenCipher,
) -> ConnectionStarted:
    """Create a single-use, expiring state bound to ``client_id``; return where to send the user."""
    state = secrets.token_urlsafe(32)
    state_hash = hash_state(state)
    verifier = challenge = None
    if client.supports_pkce:
        verifier, challenge = _pkce_pair()
    expires_at = _now() + timedelta(seconds=settings.state_ttl_seconds)
    uri = redirect_uri(settings, platform)
    session.add(
        OAuthState(
            state_hash=state_hash,
            client_id=client_id,
            platform=platform.value,
            redirect_uri=uri,
            code_verifier_ct=cipher.encrypt(verifier, aad=f"state:{state_hash}")
            if verifier
            else None,
            expires_at=expires_at,
        )
    )
    await session.commit()
    url = client.authorization_url(state=state, redirect_uri=uri, code_challenge=challenge)
    return ConnectionStarted(authorization_url=url, expires_at=expires_at)


async def _consume_state(session: AsyncSession, state: str, platform: Platform) -> OAuthState:
    """Delete the state row (single use) and return it if it was valid."""
    row = await session.get(OAuthState, hash_state(state))
    if row is None:
        raise ConnectError("invalid_state", "This sign-in link is unknown or was already used.")
    await session.delete(row)
    await session.commit()
    if row.platform != platform.value:
        raise ConnectError("invalid_state", "This sign-in link belongs to another platform.")
    expires_at = _aware(row.expires_at)
    if expires_at is None or expires_at < _now():
        raise ConnectError("expired_state", "This sign-in link has expired. Please start again.")
    return row


async def complete_connect(
    session: AsyncSession,
    *,
    platform: Platform,
    state: str | None,
    code: str | None,
    error: str | None,
    client: PlatformClient,
    cipher: TokenCipher,
) -> Connection:
    """Validate the callback, exchange the code, store the tokens, queue the event."""
    if not state:
        raise ConnectError("invalid_state", "The platform's answer carried no state.")
    pending = await _consume_state(session, state, platform)
    if error:
        raise ConnectError(
            error if error == "access_denied" else "platform_error",
            "You declined the connection."
            if error == "access_denied"
            else f"The platform refused the connection ({error}).",
        )
    if not code:
        raise ConnectError("missing_code", "The platform's answer carried no authorization code.")
    verifier = (
        cipher.decrypt(pending.code_verifier_ct, aad=f"state:{pending.state_hash}")
        if pending.code_verifier_ct
        else None
    )
    try:
        grant = await client.exchange_code(
            code=code, redirect_uri=pending.redirect_uri, code_verifier=verifier
        )
        identity = await client.identity(grant.access_token)
    except PlatformError as failure:
        log.warning(
            "code exchange failed", platform=platform.value, error_class=failure.error_class
        )
        reason = (
            f" ({failure.message})"
            if failure.error_class is ErrorClass.PERMISSION_OR_INPUT and failure.message
            else ""
        )
        raise ConnectError(
            "code_rejected",
            f"The platform did not accept the sign-in{reason}. Please try again.",
        ) from failure
    return await _store_connection(
        session,
        client_id=pending.client_id,
        platform=platform,
        grant=grant,
        platform_user_id=identity.platform_user_id,
        username=identity.username,
        cipher=cipher,
    )


async def _store_connection(
    session: AsyncSession,
    *,
    client_id: str,
    platform: Platform,
    grant: TokenGrant,
    platform_user_id: str,
    username: str,
    cipher: TokenCipher,
) -> Connection:
    now = _now()
    existing = (
        await session.exec(
            select(Connection).where(
                Connection.client_id == client_id, Connection.platform == platform.value
            )
        )
    ).first()
    reconnected = existing is not None and existing.platform_user_id == platform_user_id
    if existing is not None and not reconnected:
        # Another account on the same platform: the old one is disconnected, its history kept.
        outbox.enqueue(
            session,
            topics.CONNECTIONS,
            ConnectionRemoved(connection_id=existing.id, client_id=client_id, platform=platform),
            key=str(existing.id),
        )
        await session.delete(existing)
        await session.flush()
        existing = None
    connection = existing or Connection(
        client_id=client_id,
        platform=platform.value,
        platform_user_id=platform_user_id,
        username=username,
        access_token_ct="",
        connected_at=now,
    )
    connection.username = username
    connection.status = ConnectionStatus.ACTIVE
    connection.scopes = ",".join(grant.scopes)
    connection.access_token_ct = cipher.encrypt(
        grant.access_token, aad=_aad(connection.id, "access")
    )
    connection.access_expires_at = (
        now + timedelta(seconds=grant.expires_in) if grant.expires_in else None
    )
    if grant.refresh_token:  # a reconnect that re-issues none keeps the stored one
        connection.refresh_token_ct = cipher.encrypt(
            grant.refresh_token, aad=_aad(connection.id, "refresh")
        )
        connection.refresh_expires_at = (
            now + timedelta(seconds=grant.refresh_expires_in) if grant.refresh_expires_in else None
        )
    connection.updated_at = now
    connection.token_refreshed_at = now
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
            connected_at=_aware(connection.connected_at) or now,
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


def token_health(connection: Connection, now: datetime | None = None) -> str:
    if connection.status != ConnectionStatus.ACTIVE:
        return "reauth_required"
    now = now or _now()
    expires = _aware(connection.access_expires_at)
    if expires is None:
        return "ok"
    if expires <= now and connection.refresh_token_ct is None:
        return "expired"
    if expires - now < EXPIRING_SOON and connection.refresh_token_ct is None:
        return "expiring"
    return "ok"


def to_public(connection: Connection) -> ConnectionPublic:
    return ConnectionPublic(
        id=connection.id,
        client_id=connection.client_id,
        platform=connection.platform,
        platform_user_id=connection.platform_user_id,
        username=connection.username,
        status=connection.status,
        connected_at=_aware(connection.connected_at) or _now(),
        last_synced_at=_aware(connection.last_synced_at),
        token_health=token_health(connection),
        token_expires_at=_aware(connection.access_expires_at),
    )


async def list_connections(session: AsyncSession, client_id: str | None) -> list[Connection]:
    query = select(Connection).order_by(col(Connection.connected_at))
    if client_id is not None:
        query = query.where(Connection.client_id == client_id)
    return list((await session.exec(query)).all())


async def access_token(
    session: AsyncSession, connection_id: uuid.UUID, cipher: TokenCipher
) -> AccessTokenGrant:
    connection = await session.get(Connection, connection_id)
    if connection is None or connection.status != ConnectionStatus.ACTIVE:
        raise NotFound(str(connection_id))
    return AccessTokenGrant(
        connection_id=connection.id,
        platform=connection.platform,
        platform_user_id=connection.platform_user_id,
        access_token=cipher.decrypt(connection.access_token_ct, aad=_aad(connection.id, "access")),
        expires_at=_aware(connection.access_expires_at),
    )


async def record_sync(
    session: AsyncSession, connection_id: uuid.UUID, fetched_at: datetime
) -> None:
    """Idempotent: keeps the latest fetch time whatever order snapshots arrive in."""
    connection = await session.get(Connection, connection_id)
    if connection is None:
        return
    last = _aware(connection.last_synced_at)
    if last is None or fetched_at > last:
        connection.last_synced_at = fetched_at
        session.add(connection)
        await session.commit()


async def purge_expired_states(session: AsyncSession) -> int:
    """Abandoned sign-ins leave states behind; they are useless once expired."""
    connection = await session.connection()
    result = await connection.execute(delete(OAuthState).where(col(OAuthState.expires_at) < _now()))
    await session.commit()
    return int(result.rowcount or 0)
