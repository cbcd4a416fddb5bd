"""Column helpers: timestamps stored as UTC with their time zone; enums stored as their values.

Enum columns stay plain ``VARCHAR`` in the schema (no database enum type to migrate when a
platform or status is added); the model reads and writes the Python enum, so code never
converts strings by hand (``Platform(row.platform)``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

E = TypeVar("E", bound=Enum)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything was written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def timestamp_field(**kwargs: Any) -> Any:
    """A ``timestamp with time zone`` column (asyncpg refuses aware values in naive columns)."""
    return Field(sa_type=DateTime(timezone=True), **kwargs)


class EnumText(TypeDecorator[E], Generic[E]):
    """A ``VARCHAR(length)`` holding an enum's value, read back as the enum member.

    Writing accepts the member or its value (Core inserts of plain dicts); a stored value the
    enum does not know fails loudly on read rather than passing a bare string on.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 32) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(self.enum(value).value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


def enum_field(enum: type[Enum], *, length: int = 32, **kwargs: Any) -> Any:
    """A model field of type ``enum``, stored as its value (:class:`EnumText`)."""
    return Field(sa_type=EnumText(enum, length), **kwargs)
