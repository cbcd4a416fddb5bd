"""Merging an incoming day into the stored one: a snapshot's figures, or an import's.

What replaces what is :mod:`.sources`; here the row is built or updated (``new_day`` cheaply,
without pydantic's per-field validation).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
import sqlalchemy.orm

from services.analytics.history.sources import DaySource, outranks, series_supersedes, supersedes
from services.analytics.models import DailySnapshot
from shared.events import AccountSnapshot
from shared.platforms import Platform

#: The day's figures a superseding snapshot replaces (the gains and losses have their own rule).
DAY_FIELDS = (
    "client_id",
    "username",
    "following",
    "posts",
    "engagement_rate",
    "reach",
    "views",
    "engagement_formula",
    "platform_metrics",
    "missing_metrics",
    "backfill",
    "fetched_at",
)


@dataclass(frozen=True)
class ImportedDay:
    """One day of an admin's history import: the counts the client recorded for it."""

    connection_id: uuid.UUID
    client_id: str
    platform: Platform
    username: str
    snapshot_date: date
    imported_at: datetime
    followers: int
    following: int | None = None
    posts: int | None = None


#: The figures of a new day that nothing stated yet: the model's defaults, and its default
#: factories (called directly: pydantic inspects a factory's signature on every call).
_DAY_DEFAULTS = {
    name: field.default
    for name, field in DailySnapshot.model_fields.items()
    if field.default_factory is None and not field.is_required()
}
_DAY_FACTORIES = {
    name: cast(Callable[[], Any], field.default_factory)
    for name, field in DailySnapshot.model_fields.items()
    if field.default_factory is not None
}
sa.orm.configure_mappers()  # new_day builds rows before any query would configure them
_DAYS = sa.inspect(DailySnapshot).class_manager


def new_day(**values: Any) -> DailySnapshot:
    """A new day's row, its values set at once, the way SQLAlchemy sets a row it loads.

    ``DailySnapshot(...)`` runs every field through pydantic and the ORM's change tracking one
    by one, which costs more than deriving the day; the row is written by ``history_store``
    (Core), not by the unit of work. Columns not named get the model's defaults.
    """
    row: DailySnapshot = _DAYS.new_instance()
    row.__dict__.update(_DAY_DEFAULTS)
    row.__dict__.update({name: make() for name, make in _DAY_FACTORIES.items()})
    row.__dict__.update(values)
    row.__pydantic_fields_set__.update(values)
    return row


def merge(existing: DailySnapshot | None, incoming: AccountSnapshot | ImportedDay) -> DailySnapshot:
    """The stored day after ``incoming`` arrived (a new row, or ``existing`` updated)."""
    if isinstance(incoming, ImportedDay):
        return merge_import(existing, incoming)
    changes: dict[str, Any] = {}
    if supersedes(incoming, existing):
        changes = {name: getattr(incoming, name) for name in DAY_FIELDS}
        changes["followers_observed"] = incoming.followers
        changes["imported"] = False
    if series_supersedes(incoming, existing):
        changes["followers_gained"] = incoming.followers_gained
        changes["followers_lost"] = incoming.followers_lost
        changes["series_fetched_at"] = incoming.fetched_at
    if existing is None:  # a new day always takes the incoming figures (``supersedes``)
        return new_day(
            connection_id=incoming.connection_id,
            snapshot_date=incoming.snapshot_date,
            platform=incoming.platform,
            **changes,
        )
    for name, value in changes.items():
        setattr(existing, name, value)
    return existing


def merge_import(existing: DailySnapshot | None, incoming: ImportedDay) -> DailySnapshot:
    """The stored day after an import of it: the import's, unless the platform reported it."""
    row = existing or new_day(
        connection_id=incoming.connection_id,
        snapshot_date=incoming.snapshot_date,
        client_id=incoming.client_id,
        platform=incoming.platform,
        username=incoming.username,
        fetched_at=incoming.imported_at,
    )
    if not outranks(DaySource.IMPORT, incoming.imported_at, existing):
        return row
    # The whole day is the import's: nothing of an earlier import of it is left.
    row.client_id = incoming.client_id
    row.username = incoming.username
    row.followers_observed = incoming.followers
    row.following = incoming.following
    row.posts = incoming.posts
    row.followers_gained = row.followers_lost = row.series_fetched_at = None
    row.engagement_rate = row.engagement_formula = None
    row.reach = row.views = None
    row.platform_metrics, row.missing_metrics = {}, []
    row.backfill, row.imported = False, True
    row.fetched_at = incoming.imported_at
    return row
