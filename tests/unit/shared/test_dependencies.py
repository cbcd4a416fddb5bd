"""``SessionDep``: one session per request, from the service's own runtime, closed afterwards."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from shared.db import create_engine, make_sessionmaker
from shared.dependencies import SessionDep


async def test_a_route_gets_a_session_of_the_apps_runtime() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    opened: list[object] = []
    app = FastAPI()
    app.state.runtime = SimpleNamespace(sessions=make_sessionmaker(engine))

    @app.get("/answer")
    async def answer(session: SessionDep, again: SessionDep) -> dict[str, int]:
        opened.append(session)
        assert again is session  # one session per request, however often it is asked for
        return {"answer": await (await session.connection()).scalar(text("SELECT 42"))}

    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            assert (await http.get("/answer")).json() == {"answer": 42}
            assert (await http.get("/answer")).json() == {"answer": 42}
    finally:
        await engine.dispose()
    assert len(opened) == 2 and opened[0] is not opened[1]
