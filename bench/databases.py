"""Throwaway databases for the benchmarks: a SQLite file, or a PostgreSQL database created and
dropped around one measurement (``LSA_BENCH_POSTGRES_DSN``, trust auth by default)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

POSTGRES_ADMIN_DSN = os.environ.get(
    "LSA_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@asynccontextmanager
async def fresh_database(
    kind: str, directory: Path, prefix: str = "lsa_bench"
) -> AsyncIterator[tuple[str, str]]:
    """(SQLAlchemy URL, native address: the file's path or a libpq DSN) of an empty database of
    ``kind``, dropped afterwards."""
    if kind == "sqlite":
        path = directory / "analytics.db"
        yield f"sqlite+aiosqlite:///{path}", str(path)
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    native = f"{POSTGRES_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    try:
        yield native.replace("postgresql://", "postgresql+asyncpg://"), native
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
