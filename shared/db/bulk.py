"""INSERT of many rows straight through the driver, for hot paths.

SQLAlchemy's executemany builds a parameter dict per row and runs every value through its
statement machinery, which costs more than the database's own work for rows of a dozen
columns. Here, on PostgreSQL (asyncpg), the rows go in with ``COPY`` (asyncpg's binary codecs
take the Python values as they are); elsewhere the statement is compiled once per dialect and
table, each value goes through its column type's bind processor (the conversion SQLAlchemy
itself applies: UUIDs and timestamps on SQLite; a value repeated from the row before is
converted once), and the driver's executemany gets plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

Processor = Callable[[Any], Any] | None
_UNSET = object()


async def insert_many(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Insert ``rows`` (value tuples in the order of ``columns``) into ``table`` in the
    session's transaction; returns how many were given. A conflict fails the statement."""
    connection = await session.connection()
    if connection.dialect.driver == "asyncpg":
        driver = (await connection.get_raw_connection()).driver_connection
        if driver is not None and driver.is_in_transaction():  # the session's transaction
            records = [tuple(row) for row in rows]
            if records:
                await driver.copy_records_to_table(
                    table.name, records=records, columns=list(columns), schema_name=table.schema
                )
            return len(records)
    sql, order, processors = _compiled(connection.dialect, table, tuple(columns))
    # Each converted column remembers its last value: rows often repeat one (a snapshot's
    # connection, day and fetch time on each of its items), and the processors are pure
    # functions of immutable values, so the same object converts to the same result.
    converted: list[list[Any]] = [
        [at, process, _UNSET, None] for at, process in enumerate(processors) if process
    ]
    in_order = order == tuple(range(len(columns)))
    values: list[tuple[Any, ...]] = []
    for row in rows:
        value = list(row) if in_order else [row[i] for i in order]
        for memo in converted:
            raw = value[memo[0]]
            if raw is None:
                continue
            if raw is not memo[2]:
                memo[2], memo[3] = raw, memo[1](raw)
            value[memo[0]] = memo[3]
        values.append(tuple(value))
    if values:
        await connection.exec_driver_sql(sql, values)
    return len(values)


@lru_cache(maxsize=64)
def _compiled(
    dialect: Dialect, table: Table, columns: tuple[str, ...]
) -> tuple[str, tuple[int, ...], tuple[Processor, ...]]:
    """The driver's SQL, and for each of its placeholders the value's index and processor."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    names = compiled.positiontup
    if names is None:  # a named paramstyle: no driver this project uses
        raise NotImplementedError(f"insert_many needs a positional paramstyle ({dialect.name})")
    index = {name: i for i, name in enumerate(columns)}
    order = tuple(index[name] for name in names)
    processors = tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return str(compiled), order, processors
