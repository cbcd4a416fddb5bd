"""The request dependencies every service's routes use, defined once.

A route declares what it needs by type — ``session: SessionDep``, ``principal: ClientDep`` —
and every service gets it the same way: the session from the service's own runtime (which
:func:`shared.service.create_service_app` puts on ``app.state.runtime``), the principal from
:mod:`shared.auth`. A service adds only what is its own (the connector's context, say).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth import Principal, require_admin, require_client, require_service

if TYPE_CHECKING:
    from shared.service import Runtime

__all__ = ["AdminDep", "ClientDep", "ServiceDep", "SessionDep", "get_session"]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, closed when the response is done."""
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
#: A client of the portal (``principal.client_id`` is set).
ClientDep = Annotated[Principal, Depends(require_client)]
#: A member of staff, through the admin CRM.
AdminDep = Annotated[Principal, Depends(require_admin)]
#: Another service, with the service credential (internal routes only).
ServiceDep = Annotated[None, Depends(require_service)]
