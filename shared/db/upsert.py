"""Portable INSERT … ON CONFLICT DO UPDATE, the building block of idempotent consumers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
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
    stmt = _statement(session, model, rows[0], conflict, update, values=rows)
    connection = await session.connection()  # the session's transaction, plain Core execute
    await connection.execute(stmt)


async def upsert_many(
    session: AsyncSession,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Iterable[str],
    update: Iterable[str] | None = None,
) -> None:
    """:func:`upsert` of many rows with the same columns, as one executemany.

    The statement is compiled once (and cached) whatever the number of rows, where
    :func:`upsert` writes every value into the statement; the driver sends the rows in bulk.
    """
    if not rows:
        return
    stmt = _statement(session, model, rows[0], conflict, update)
    connection = await session.connection()
    await connection.execute(stmt, list(rows))


def _statement(
    session: AsyncSession,
    model: type[SQLModel],
    first: Mapping[str, Any],
    conflict: Iterable[str],
    update: Iterable[str] | None,
    *,
    values: list[Mapping[str, Any]] | None = None,
) -> Insert:
    table = model.__table__  # type: ignore[attr-defined]
    keys = list(conflict)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table) if values is None else insert(table).values(values)
    columns = [c for c in (update if update is not None else first) if c not in keys]
    if columns:
        return stmt.on_conflict_do_update(
            index_elements=keys, set_={c: stmt.excluded[c] for c in columns}
        )
    return stmt.on_conflict_do_nothing(index_elements=keys)
