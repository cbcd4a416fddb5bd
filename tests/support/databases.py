"""Throwaway databases: a SQLite file, or a PostgreSQL database created and dropped per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

#: The development and CI machines run PostgreSQL here with trust authentication.
POSTGRES_ADMIN_DSN = os.environ.get(
    "LSA_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
KINDS = ("sqlite", "postgresql")


@asynccontextmanager
async def temporary_database(kind: str, directory: Path, name: str = "db") -> AsyncIterator[str]:
    """Yield an async SQLAlchemy URL to an empty database of ``kind``; drop it afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'{name}.db'}"
        return
    database = f"lsa_test_{name}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{database}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await admin.close()
