"""``lsa``: one command for running, migrating and operating the system."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from services.registry import SERVICES


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from shared.service import internal_app
    from shared.serving import DualServer

    spec = SERVICES[args.service]
    settings = spec.settings()
    host = args.host or settings.host
    port = args.port or settings.port
    internal_port = args.internal_port or settings.internal_port or spec.default_internal_port
    if internal_port == port:
        print(f"the internal port must differ from the public port ({port})", file=sys.stderr)
        return 2
    app = spec.create_app()
    options: dict[str, Any] = {
        "host": host,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 20,
    }
    DualServer(
        uvicorn.Config(app, port=port, proxy_headers=True, **options),
        uvicorn.Config(internal_app(app), port=internal_port, lifespan="off", **options),
    ).run()
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from shared.db.migrations import upgrade

    unknown = [name for name in args.services if name not in SERVICES]
    if unknown:
        print(f"unknown service(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    for name in args.services or list(SERVICES):
        spec = SERVICES[name]
        upgrade(spec.migrations, spec.settings().db_url)
        print(f"{name}: migrated", file=sys.stderr)
    return 0


def _up(args: argparse.Namespace) -> int:
    from services.local.supervisor import Ports, run

    ports = Ports(gateway=args.port, broker=args.broker_port, emulator=args.emulator_port)
    if args.service_ports:
        values = [int(p) for p in args.service_ports.split(",")]
        ports.services = dict(zip(SERVICES, values, strict=True))
    if args.internal_ports:
        values = [int(p) for p in args.internal_ports.split(",")]
        ports.internal = dict(zip(SERVICES, values, strict=True))
    return run(Path(args.data_dir), ports, emulator=not args.no_emulator)


def _demo(args: argparse.Namespace) -> int:
    from services.local.demo import main

    return main(args.url, args.clients, concurrency=args.concurrency, timeout=args.timeout)


def _emulator(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "emulator.app:create_app", factory=True, host=args.host, port=args.port, access_log=False
    )
    return 0


def _token(args: argparse.Namespace) -> int:
    from shared.auth import Role, issue_token
    from shared.settings import AuthSettings

    role = Role(args.role)
    if role is Role.CLIENT and not args.client_id:
        print("a client token needs --client-id", file=sys.stderr)
        return 2
    print(issue_token(AuthSettings(), role=role, client_id=args.client_id, ttl_seconds=args.ttl))
    return 0


def _reencrypt(_args: argparse.Namespace) -> int:
    from services.connector.crypto import TokenCipher
    from services.connector.settings import ConnectorSettings
    from services.connector.upkeep import reencrypt_all
    from shared.db import create_engine, make_sessionmaker

    settings = ConnectorSettings()
    cipher = TokenCipher.from_spec(
        settings.token_keys.get_secret_value(), settings.token_primary_key_id
    )

    async def run() -> int:
        engine = create_engine(settings.db_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await reencrypt_all(session, cipher)
        finally:
            await engine.dispose()

    count = asyncio.run(run())
    print(f"re-encrypted {count} secret(s) under key {cipher.primary!r}", file=sys.stderr)
    return 0


def _ingestor_job(job: str, **kwargs: object) -> int:
    """Run one of the ingestor's scheduled jobs once (Kubernetes CronJobs call these)."""
    from services.ingestor import jobs
    from services.ingestor.settings import IngestorSettings
    from shared.logging import configure_logging
    from shared.service import Runtime

    settings = IngestorSettings()
    configure_logging("ingestor", level=settings.common.log_level, json=settings.common.json_logs)

    async def run() -> int:
        runtime = Runtime.build(settings)
        await runtime.broker.start()
        try:
            if job == "sync-daily":
                return await jobs.request_daily_syncs(runtime, force=bool(kwargs.get("force")))
            return await jobs.purge_raw_responses(runtime, settings.raw_retention_days)
        finally:
            await runtime.broker.stop()
            await runtime.engine.dispose()

    count = asyncio.run(run())
    print(f"{job}: {count}", file=sys.stderr)
    return 0


def _topics(_args: argparse.Namespace) -> int:
    from shared.messaging.broker import ensure_topics
    from shared.messaging.topics import all_topics
    from shared.settings import KafkaSettings

    created = asyncio.run(ensure_topics(KafkaSettings(), all_topics()))
    print(f"created {len(created)} topic(s)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lsa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole system on this machine (make run)")
    up.add_argument("--data-dir", default="data")
    up.add_argument("--port", type=int, default=8000, help="gateway (public API) port")
    up.add_argument("--broker-port", type=int, default=9092)
    up.add_argument("--emulator-port", type=int, default=8100)
    up.add_argument("--service-ports", help="comma-separated, in order: " + ",".join(SERVICES))
    up.add_argument(
        "--internal-ports",
        help="the services' internal ports (/metrics, /internal), comma-separated, same order",
    )
    up.add_argument("--no-emulator", action="store_true", help="use the real platforms")
    up.set_defaults(func=_up)

    demo = sub.add_parser(
        "demo",
        help="load a demo portfolio into a running `lsa up` (make demo): clients, programs, "
        "connected demo accounts, a year of history",
    )
    demo.add_argument("--url", default="http://127.0.0.1:8000", help="the system's gateway")
    demo.add_argument("--clients", type=int, default=50, help="how many clients (1-99)")
    demo.add_argument("--concurrency", type=int, default=8, help="connects and imports at once")
    demo.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for the data to be in"
    )
    demo.set_defaults(func=_demo)

    serve = sub.add_parser("serve", help="run one service (as a Kubernetes pod does)")
    serve.add_argument("service", choices=sorted(SERVICES))
    serve.add_argument("--host")
    serve.add_argument("--port", type=int, help="public port (API, /docs, /healthz, /readyz)")
    serve.add_argument("--internal-port", type=int, help="internal port (/metrics, /internal/...)")
    serve.set_defaults(func=_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations (idempotent)")
    migrate.add_argument("services", nargs="*", metavar="SERVICE", help="default: all")
    migrate.set_defaults(func=_migrate)

    emulator = sub.add_parser("emulator", help="run the platform emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8100)
    emulator.set_defaults(func=_emulator)

    token = sub.add_parser("token", help="print a bearer token the dev profile accepts")
    token.add_argument("--role", choices=["client", "admin"], required=True)
    token.add_argument("--client-id")
    token.add_argument("--ttl", type=int, default=12 * 3600)
    token.set_defaults(func=_token)

    reencrypt = sub.add_parser(
        "reencrypt-tokens",
        help="re-encrypt every stored token under the primary key (after a key rotation)",
    )
    reencrypt.set_defaults(func=_reencrypt)

    daily = sub.add_parser(
        "sync-daily",
        help="request today's sync of every active connection (once per day; the 03:00 CronJob)",
    )
    daily.add_argument("--force", action="store_true", help="even if today's run happened")
    daily.set_defaults(func=lambda a: _ingestor_job("sync-daily", force=a.force))

    purge = sub.add_parser(
        "purge-raw-responses", help="delete raw platform answers older than the retention"
    )
    purge.set_defaults(func=lambda _a: _ingestor_job("purge-raw-responses"))

    topics = sub.add_parser("topics", help="create the Kafka topics (idempotent)")
    topics.set_defaults(func=_topics)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
