"""Every service's migrations run on SQLite and PostgreSQL, twice (idempotent), and go back down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, inspect
from sqlmodel import SQLModel

from services.registry import SERVICES
from shared.db import create_engine
from shared.db.migrations import alembic_config, upgrade

pytestmark = pytest.mark.integration

#: Which tables each service owns (its own database; nobody else's tables in it).
OWNED = {
    "connector": {"connections", "oauth_states", "outbox"},
    "ingestor": {"known_connections", "sync_runs", "schedule_claims", "raw_responses"},
    "analytics": {
        "tracked_connections",
        "daily_snapshots",
        "outbox",
        "content_items",
        "clients",
        "deliverables",
        "signals",
    },
    "alerts": {"watched_accounts"},
    "reports": {"report_days"},
}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_migrations_create_exactly_the_owned_tables(service: str, database_url: str) -> None:
    spec = SERVICES[service]
    await asyncio.to_thread(upgrade, spec.migrations, database_url)
    await asyncio.to_thread(upgrade, spec.migrations, database_url)  # idempotent
    assert await _tables(database_url) == OWNED[service]
    await asyncio.to_thread(upgrade_down, spec.migrations, database_url)
    assert await _tables(database_url) == set()


def _column_names(connection: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table)}


def upgrade_down(migrations: Path, url: str) -> None:
    command.downgrade(alembic_config(migrations, url), "base")


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_models_match_the_migrated_columns(service: str, database_url: str) -> None:
    """A model column missing from the migration would fail at the first insert in production."""
    __import__(f"services.{service}.models")
    spec = SERVICES[service]
    await asyncio.to_thread(upgrade, spec.migrations, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            for table in OWNED[service]:
                columns = await connection.run_sync(_column_names, table)
                model_columns = {c.name for c in SQLModel.metadata.tables[table].columns}
                assert model_columns == columns, table
    finally:
        await engine.dispose()
