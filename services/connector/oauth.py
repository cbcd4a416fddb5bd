"""Connecting an account: authorization URL with state (and PKCE), then the callback.

``state`` is random, single-use, expiring and bound to the client who asked; only its SHA-256 is
stored. The callback consumes it before anything else, so a replayed or forged callback stores
nothing and emits nothing.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from services.connector.connections import store_connection
from services.connector.crypto import TokenCipher
from services.connector.models import Connection, OAuthState
from services.connector.settings import ConnectorSettings
from shared import clock
from shared.db.types import as_utc
from shared.logging import get_logger
from shared.platforms import Platform
from shared.platforms.base import ErrorClass, PlatformError
from shared.platforms.registry import PlatformClient

log = get_logger(__name__)
#: Characters of a PKCE code verifier (RFC 7636 allows 43 to 128).
PKCE_VERIFIER_LENGTH = 96


class ConnectError(Exception):
    """A connection attempt that failed for a reason the user should read."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def state_aad(state_hash: str) -> str:
    """Associated data: a state's PKCE verifier only decrypts in its own state row."""
    return f"state:{state_hash}"


def redirect_uri(settings: ConnectorSettings, platform: Platform) -> str:
    return f"{settings.public_base_url.rstrip('/')}/api/portal/social/callback/{platform.value}"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)[:PKCE_VERIFIER_LENGTH]
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    return verifier, challenge


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
        verifier, challenge = pkce_pair()
    expires_at = clock.now() + timedelta(seconds=settings.state_ttl_seconds)
    uri = redirect_uri(settings, platform)
    session.add(
        OAuthState(
            state_hash=state_hash,
            client_id=client_id,
            platform=platform,
            redirect_uri=uri,
            code_verifier_ct=cipher.encrypt(verifier, aad=state_aad(state_hash))
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
    if row.platform != platform:
        raise ConnectError("invalid_state", "This sign-in link belongs to another platform.")
    expires_at = as_utc(row.expires_at)
    if expires_at is None or expires_at < clock.now():
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
        cipher.decrypt(pending.code_verifier_ct, aad=state_aad(pending.state_hash))
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
    return await store_connection(
        session,
        client_id=pending.client_id,
        platform=platform,
        grant=grant,
        platform_user_id=identity.platform_user_id,
        username=identity.username,
        cipher=cipher,
    )


async def purge_expired_states(session: AsyncSession) -> int:
    """Abandoned sign-ins leave states behind; they are useless once expired."""
    connection = await session.connection()
    result = await connection.execute(
        delete(OAuthState).where(col(OAuthState.expires_at) < clock.now())
    )
    await session.commit()
    return int(result.rowcount or 0)
