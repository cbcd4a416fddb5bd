"""What the connector's routes and handlers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from faststream import Context

from services.connector.crypto import TokenCipher
from services.connector.settings import ConnectorSettings
from services.connector.tokens import TokenKeeper
from shared.messaging.routing import SERVICE
from shared.outbox import OutboxRelay
from shared.platforms import Platform
from shared.platforms.registry import PlatformClient
from shared.service import Runtime


@dataclass
class ConnectorContext:
    settings: ConnectorSettings
    runtime: Runtime
    cipher: TokenCipher
    clients: dict[Platform, PlatformClient]
    relay: OutboxRelay
    keeper: TokenKeeper


#: The context as a Kafka handler receives it (``shared.messaging.routing``).
HandlerContext = Annotated[ConnectorContext, Context(SERVICE)]
