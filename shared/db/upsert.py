"""Portable INSERT … ON CONFLICT DO UPDATE, the building block of idempotent consumers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel


async def upsert(
    session: AsyncSession,
    model: type[SQLModel],
    values: Mapping[str, Any],
    *,
    conflict: Iterable[str],
    update: Iterable[str] | None = None,
) -> None:
    """Insert ``values``, or update the row that has the same ``conflict`` columns.

    ``update`` defaults to every column given except the conflict columns.
    """
    table = model.__table__  # type: ignore[attr-defined]
    keys = list(conflict)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values)
    columns = [c for c in (update if update is not None else values) if c not in keys]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    connection = await session.connection()  # the session's transaction, plain Core execute
    await connection.execute(stmt)
