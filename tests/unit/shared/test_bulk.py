"""``insert_many`` on SQLite: each value converted as SQLAlchemy converts it, including values
repeated from one row to the next (converted once, reused) and values that come back later."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from shared.db import create_engine, make_sessionmaker
from shared.db.bulk import insert_many

METADATA = sa.MetaData()
TABLE = sa.Table(
    "items",
    METADATA,
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("owner", sa.Uuid, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=True),
)
A, B = uuid.UUID(int=1), uuid.UUID(int=2)
MONDAY, TUESDAY = date(2026, 12, 7), date(2026, 12, 8)
NOON = datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=UTC)


async def test_repeated_and_returning_values_are_stored_as_given(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bulk.db'}")
    rows = [
        (1, A, MONDAY, NOON),
        (2, A, MONDAY, NOON),  # the same objects as the row before
        (3, B, TUESDAY, None),
        (4, A, MONDAY, NOON),  # back to the first ones, after a None
        (5, uuid.UUID(int=1), date(2026, 12, 7), None),  # equal, not the same objects
    ]
    try:
        async with engine.begin() as connection:
            await connection.run_sync(METADATA.create_all)
        async with make_sessionmaker(engine)() as session:
            assert await insert_many(session, TABLE, ("n", "owner", "day", "at"), rows) == 5
            await session.commit()
        async with engine.connect() as connection:
            stored = (await connection.execute(sa.select(TABLE).order_by(TABLE.c.n))).all()
            raw = (await connection.exec_driver_sql("SELECT owner, at FROM items")).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in stored] == [
        (1, A, MONDAY, NOON.replace(tzinfo=None)),  # SQLite keeps naive UTC
        (2, A, MONDAY, NOON.replace(tzinfo=None)),
        (3, B, TUESDAY, None),
        (4, A, MONDAY, NOON.replace(tzinfo=None)),
        (5, A, MONDAY, None),
    ]
    assert raw[0] == ("00000000000000000000000000000001", "2026-12-07 12:00:00.123456")
