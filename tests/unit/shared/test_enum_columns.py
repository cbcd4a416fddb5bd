"""Enum columns: stored as the value, read back as the member, unknown values refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from shared.db.types import EnumText
from shared.platforms import Platform

METADATA = sa.MetaData()
TABLE = sa.Table("accounts", METADATA, sa.Column("platform", EnumText(Platform, 32)))


@pytest.fixture
def connection() -> Iterator[sa.Connection]:
    engine = sa.create_engine("sqlite://")
    METADATA.create_all(engine)
    with engine.connect() as connection:
        yield connection


def test_member_or_value_written_as_value_and_read_as_member(connection: sa.Connection) -> None:
    connection.execute(TABLE.insert(), [{"platform": Platform.TIKTOK}, {"platform": "youtube"}])
    raw = connection.exec_driver_sql("SELECT platform FROM accounts ORDER BY 1").scalars().all()
    assert raw == ["tiktok", "youtube"]
    read = connection.execute(sa.select(TABLE.c.platform).order_by(TABLE.c.platform)).scalars()
    assert list(read) == [Platform.TIKTOK, Platform.YOUTUBE]


def test_filter_by_member(connection: sa.Connection) -> None:
    connection.execute(TABLE.insert(), [{"platform": "x"}, {"platform": "linkedin"}])
    found = connection.execute(sa.select(TABLE.c.platform).where(TABLE.c.platform == Platform.X))
    assert list(found.scalars()) == [Platform.X]


def test_unknown_value_refused_on_write_and_on_read(connection: sa.Connection) -> None:
    with pytest.raises(StatementError):
        connection.execute(TABLE.insert(), [{"platform": "myspace"}])
    connection.exec_driver_sql("INSERT INTO accounts (platform) VALUES ('myspace')")
    with pytest.raises(ValueError, match="myspace"):
        connection.execute(sa.select(TABLE.c.platform)).scalars().all()
