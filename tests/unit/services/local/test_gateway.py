"""The local gateway against fake upstreams: what it routes, what it forwards, what it refuses.

Attack paths are sent as raw ASGI requests (an HTTP client would normalise them before
sending); everything else goes through httpx's ASGI transport. The upstreams are one fake app
that records every request it receives.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import uvicorn
import websockets
from fastapi import FastAPI, WebSocket
from starlette.types import Message, Receive, Scope, Send
from websockets.exceptions import ConnectionClosed

from services.local.board import ProcessBoard, ProcessState
from services.local.broker import free_port
from services.local.gateway import create_gateway
from services.registry import route_for
from tests.support.waiting import eventually

UPSTREAMS = {
    "connector": "http://connector:8001",
    "ingestor": "http://ingestor:8002",
    "analytics": "http://analytics:8003",
}


@dataclass
class FakeUpstreams:
    """Answers every request with what it received; ``/readyz`` with ``ready[host]``."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    ready: dict[str, int] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        host = scope["server"][0]
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] == "/readyz":
            status, payload = self.ready.get(host, 200), b"{}"
        else:
            seen = {
                "service": host,
                "method": scope["method"],
                "raw_path": scope["raw_path"].decode(),
                "query": scope["query_string"].decode(),
                "body": body.decode(),
                "authorization": dict(scope["headers"]).get(b"authorization", b"").decode(),
            }
            self.seen.append(seen)
            status, payload = 201, json.dumps(seen).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"x-upstream", b"yes")],
            }
        )
        await send({"type": "http.response.body", "body": payload})


@pytest.fixture
def upstreams() -> FakeUpstreams:
    return FakeUpstreams()


@pytest.fixture
def board() -> ProcessBoard:
    board = ProcessBoard()
    for name in UPSTREAMS:
        board.mark(name, ProcessState.UP)
    return board


@pytest.fixture
def gateway(upstreams: FakeUpstreams, board: ProcessBoard) -> FastAPI:
    return create_gateway(UPSTREAMS, board=board, transport=httpx.ASGITransport(app=upstreams))


@pytest.fixture
async def api(gateway: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def raw_request(app: FastAPI, raw_path: bytes, query: bytes = b"") -> tuple[int, Any]:
    """One request with exactly this request-target, as uvicorn would pass it on."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"gateway")],
        "server": ("gateway", 80),
        "client": ("127.0.0.1", 50000),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body)


ATTACKS = [
    # reaching the connector's /metrics, /readyz, /docs and /internal through a public prefix
    (b"/api/portal/social/connections/..%2F..%2F..%2F..%2Fmetrics", 400, "encoded '/'"),
    (b"/api/portal/social/connections/..%2F..%2F..%2F..%2Freadyz", 400, "encoded '/'"),
    (b"/api/portal/social/connections/..%2F..%2F..%2F..%2Fdocs", 400, "encoded '/'"),
    (
        b"/api/portal/social/connections/..%2F..%2F..%2F..%2Finternal%2Faccess-tokens",
        400,
        "encoded '/'",
    ),
    (b"/api/portal/social/connections/%2e%2e/%2e%2e/%2e%2e/%2e%2e/metrics", 400, "'..' segment"),
    (b"/api/portal/social/connections/../../../../metrics", 400, "'..' segment"),
    (b"/api/portal/social/connections/..%5C..%5Cmetrics", 400, "encoded '/' or '\\'"),
    (b"/api/portal/social/connections/..%252F..%252Fmetrics", 400, "double percent-encoding"),
    (b"/api/portal/social/connections/%00", 400, "control character"),
    (b"/api/portal/social/connections%00/../metrics", 400, "control character"),
    (b"/api/portal/social/connections/%zz", 400, "malformed percent-encoding"),
    (b"/api/portal/social//connections", 400, "empty segment"),
    (b"/api/portal/social/connections/" + b"a" * 3000, 414, "path longer than 2048 bytes"),
]


@pytest.mark.parametrize(
    ("raw", "status", "reason"), ATTACKS, ids=[a[0].decode()[:60] for a in ATTACKS]
)
async def test_an_unsafe_path_is_refused_with_a_reason_and_reaches_no_service(
    gateway: FastAPI, upstreams: FakeUpstreams, raw: bytes, status: int, reason: str
) -> None:
    answer_status, body = await raw_request(gateway, raw)
    assert answer_status == status
    assert reason in body["detail"]
    assert upstreams.seen == []


async def test_an_over_long_query_is_refused_with_a_414(
    gateway: FastAPI, upstreams: FakeUpstreams
) -> None:
    status, body = await raw_request(
        gateway, b"/api/portal/social/connections", b"q=" + b"x" * 9000
    )
    assert (status, body) == (414, {"detail": "URL longer than 8192 bytes"})
    assert upstreams.seen == []


async def test_a_query_the_upstream_request_cannot_carry_is_a_400_not_a_500(
    gateway: FastAPI, upstreams: FakeUpstreams
) -> None:
    status, body = await raw_request(gateway, b"/api/portal/social/connections", b"a=\x00")
    assert (status, body) == (400, {"detail": "invalid query string"})
    assert upstreams.seen == []


async def test_routes_on_the_decoded_path_and_forwards_exactly_that_path(
    api: httpx.AsyncClient, upstreams: FakeUpstreams
) -> None:
    url = httpx.URL("http://gateway").copy_with(
        raw_path=b"/%61pi/admin/social/clients/a%20b%2Bc/overview?from=2026-11-01&x=%2F"
    )
    answer = await api.post(url, content=b"payload", headers={"Authorization": "Bearer t"})
    assert answer.status_code == 201
    assert answer.headers["x-upstream"] == "yes"
    # "%61pi" is "api": routed to analytics; the path goes on decoded once and re-encoded.
    assert upstreams.seen == [
        {
            "service": "analytics",
            "method": "POST",
            "raw_path": "/api/admin/social/clients/a%20b+c/overview",
            "query": "from=2026-11-01&x=%2F",  # the query is passed through untouched
            "body": "payload",
            "authorization": "Bearer t",
        }
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/readyz",
        "/docs",
        "/openapi.json",
        "/internal/connections/x/access-token",
        "/api/internal/access-tokens",
        "/api/portal/social",
        "/api/portal/social/connectionsx",
    ],
)
async def test_paths_outside_the_public_table_are_404(
    api: httpx.AsyncClient, upstreams: FakeUpstreams, path: str
) -> None:
    answer = await api.get(path)
    assert answer.status_code == 404
    assert upstreams.seen == []


def _failing(error: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("error", "status", "detail", "retry_after"),
    [
        (httpx.ConnectError("refused"), 503, "connector is unavailable", "2"),
        (httpx.ConnectTimeout("slow connect"), 503, "connector is unavailable", "2"),
        (httpx.ReadTimeout("slow answer"), 504, "connector did not answer in time", None),
        (httpx.RemoteProtocolError("hung up"), 502, "connector dropped the connection", None),
    ],
)
async def test_an_upstream_that_fails_answers_503_504_or_502_never_500(
    error: Exception, status: int, detail: str, retry_after: str | None
) -> None:
    gateway = create_gateway(UPSTREAMS, transport=_failing(error))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway), base_url="http://gateway"
    ) as api:
        answer = await api.get("/api/portal/social/connections")
    assert answer.status_code == status
    assert answer.json() == {"detail": detail}
    assert answer.headers.get("retry-after") == retry_after


async def test_a_service_that_is_not_listening_answers_503_with_retry_after() -> None:
    gateway = create_gateway({"connector": f"http://127.0.0.1:{free_port()}"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway), base_url="http://gateway"
    ) as api:
        answer = await api.get("/api/portal/social/connections")
    assert answer.status_code == 503
    assert answer.json() == {"detail": "connector is unavailable"}
    assert answer.headers["retry-after"] == "2"


async def test_a_service_being_restarted_says_so(board: ProcessBoard) -> None:
    board.mark("connector", ProcessState.RESTARTING)
    gateway = create_gateway(
        UPSTREAMS, board=board, transport=_failing(httpx.ConnectError("refused"))
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway), base_url="http://gateway"
    ) as api:
        answer = await api.get("/api/portal/social/connections")
    assert answer.status_code == 503
    assert answer.json() == {"detail": "connector is restarting"}


async def test_healthz_shows_each_service_up_restarting_or_down(
    api: httpx.AsyncClient, upstreams: FakeUpstreams, board: ProcessBoard
) -> None:
    healthy = await api.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json() == {
        "status": "ok",
        "services": {"connector": "up", "ingestor": "up", "analytics": "up"},
        "restarts": {"connector": 0, "ingestor": 0, "analytics": 0},
    }
    board.mark("ingestor", ProcessState.RESTARTING)
    board.count_restart("ingestor")
    upstreams.ready["analytics"] = 503  # running, but its database or broker is not reachable
    degraded = await api.get("/healthz")
    assert degraded.status_code == 503
    assert degraded.json() == {
        "status": "degraded",
        "services": {"connector": "up", "ingestor": "restarting", "analytics": "down"},
        "restarts": {"connector": 0, "ingestor": 1, "analytics": 0},
    }


async def test_healthz_without_a_supervisor_probes_only() -> None:
    gateway = create_gateway({"connector": f"http://127.0.0.1:{free_port()}"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway), base_url="http://gateway"
    ) as api:
        answer = await api.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "degraded", "services": {"connector": "down"}}


# --------------------------------------------------------------------------- WebSockets
#
# A WebSocket needs real servers on both sides: a fake service (``socket_service``) and the
# gateway, each served by uvicorn on a free port, with the ``websockets`` client in front.


@dataclass
class SocketService:
    """A fake analytics: says what its handshake carried, echoes, closes when told to."""

    url: str
    #: The close code of every socket the service saw end, as the service saw it.
    ended: list[int] = field(default_factory=list)


def _socket_service_app(ended: list[int]) -> FastAPI:
    app = FastAPI()

    @app.websocket("/api/portal/social/live")
    async def live(websocket: WebSocket) -> None:
        if "authorization" not in websocket.headers:
            await websocket.close()  # before accepting: the handshake is refused (403)
            return
        await websocket.accept(subprotocol=(websocket.scope.get("subprotocols") or [None])[0])
        await websocket.send_json(
            {
                "raw_path": websocket.scope["raw_path"].decode(),
                "query": websocket.scope["query_string"].decode(),
                "authorization": websocket.headers["authorization"],
                "cookie": websocket.headers.get("cookie"),
            }
        )
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                ended.append(message["code"])
                return
            if message.get("text") == "close-1013":
                await websocket.close(1013, "too far behind")
                return
            if message.get("text") is not None:
                await websocket.send_text("echo:" + message["text"])
            else:
                await websocket.send_bytes(message["bytes"][::-1])

    return app


@asynccontextmanager
async def _served(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    try:
        await eventually(started, timeout=10, interval=0.02)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def socket_gateway() -> AsyncIterator[tuple[str, SocketService]]:
    """The gateway's ``ws://`` base URL, in front of the fake analytics (connector: not up)."""
    ended: list[int] = []
    async with _served(_socket_service_app(ended)) as service:
        upstreams = {
            "analytics": f"http://{service}",
            "connector": f"http://127.0.0.1:{free_port()}",
        }
        async with _served(create_gateway(upstreams)) as gateway:
            yield f"ws://{gateway}", SocketService(f"ws://{service}", ended)


def _connect(url: str, token: str | None = "t", **options: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Cookie": "session=1"} if token else None
    return websockets.connect(url, additional_headers=headers, proxy=None, **options)


async def _closed(url: str, token: str | None = "t") -> tuple[int, str]:
    async with _connect(url, token) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_the_live_sockets_are_routed_to_analytics() -> None:
    assert route_for("/api/portal/social/live") == "analytics"
    assert route_for("/api/admin/social/clients/c-1/live") == "analytics"


async def test_a_socket_is_relayed_both_ways_with_its_token_and_query(
    socket_gateway: tuple[str, SocketService],
) -> None:
    gateway, service = socket_gateway
    url = f"{gateway}/%61pi/portal/social/live?access_token=q&x=%2F"
    async with _connect(url, subprotocols=["lsa.v1"]) as socket:
        seen = json.loads(await socket.recv())
        # The checked path, the query untouched, the token; not the other headers (cookie).
        assert seen == {
            "raw_path": "/api/portal/social/live",
            "query": "access_token=q&x=%2F",
            "authorization": "Bearer t",
            "cookie": None,
        }
        assert socket.subprotocol == "lsa.v1"
        await socket.send("hello")
        assert await socket.recv() == "echo:hello"
        await socket.send(b"\x00\x01\x02")
        assert await socket.recv() == b"\x02\x01\x00"
        await socket.close(4000, "bye")

    async def told() -> bool:  # the client's close reached the service, with its code
        return service.ended == [4000]

    await eventually(told, timeout=10, interval=0.02)


async def test_the_services_close_reaches_the_client_with_its_code_and_reason(
    socket_gateway: tuple[str, SocketService],
) -> None:
    gateway, _service = socket_gateway
    async with _connect(f"{gateway}/api/portal/social/live") as socket:
        await socket.recv()
        await socket.send("close-1013")
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1013, "too far behind")


@pytest.mark.parametrize(
    ("path", "token", "code", "reason"),
    [
        ("/api/portal/social/live/%2e%2e/x", "t", 1008, "'.' or '..' segment"),
        ("/api/portal/social/live/..%2F..%2Fmetrics", "t", 1008, "encoded '/'"),
        ("/api/nowhere", "t", 1008, "no such route"),
        ("/api/portal/social/connections", "t", 1013, "connector is unavailable"),
        ("/api/portal/social/live", None, 1014, "analytics refused the WebSocket (HTTP 403)"),
    ],
)
async def test_a_socket_the_gateway_cannot_relay_is_closed_with_why(
    socket_gateway: tuple[str, SocketService], path: str, token: str | None, code: int, reason: str
) -> None:
    gateway, service = socket_gateway
    closed_code, closed_reason = await _closed(gateway + path, token)
    assert closed_code == code
    assert reason in closed_reason
    assert service.ended == []  # no socket reached the service's relay
