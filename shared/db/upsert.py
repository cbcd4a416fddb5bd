"""Portable INSERT … ON CONFLICT DO UPDATE, the building block of idempotent consumers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel


async def upsert(
    session: AsyncSession,
    model: type[SQLModel],
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    conflict: Iterable[str],
    update: Iterable[str] | None = None,
) -> None:
    """Insert ``values`` (one row, or several in one statement), or update the row that has the
    same ``conflict`` columns.

    ``update`` defaults to every column given except the conflict columns.
    """
    rows = [values] if isinstance(values, Mapping) else list(values)
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    keys = list(conflict)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(rows)
    columns = [c for c in (update if update is not None else rows[0]) if c not in keys]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    connection = await session.connection()  # the session's transaction, plain Core execute
    await connection.execute(stmt)
