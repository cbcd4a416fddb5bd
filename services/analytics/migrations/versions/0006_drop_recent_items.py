"""The day rows' ``recent_items`` JSON goes (``content_items`` holds the items); so does the
index on ``content_items.client_id``, which no query filters on.

Every live day wrote its items twice — as JSON on the day and as rows of ``content_items`` —
and nothing read the JSON. Days stored before ``content_items`` existed (0003) have their items
only as JSON: they are copied first (a live day's JSON is its winning live snapshot's items, the
same rows ``content_items`` would hold), item by item where the table has none for the day.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
"""Days read per statement (and their items' keys looked up per statement)."""

_DAYS = sa.table(
    "daily_snapshots",
    sa.column("connection_id", sa.Uuid()),
    sa.column("snapshot_date", sa.Date()),
    sa.column("client_id", sa.String()),
    sa.column("platform", sa.String()),
    sa.column("backfill", sa.Boolean()),
    sa.column("imported", sa.Boolean()),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
    sa.column("recent_items", sa.JSON()),
)
_CONTENT = sa.table(
    "content_items",
    sa.column("connection_id", sa.Uuid()),
    sa.column("item_id", sa.String()),
    sa.column("seen_on", sa.Date()),
    sa.column("client_id", sa.String()),
    sa.column("platform", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("published_at", sa.DateTime(timezone=True)),
    sa.column("url", sa.String()),
    sa.column("caption", sa.String()),
    sa.column("views", sa.BigInteger()),
    sa.column("reach", sa.BigInteger()),
    sa.column("likes", sa.BigInteger()),
    sa.column("comments", sa.BigInteger()),
    sa.column("shares", sa.BigInteger()),
    sa.column("saves", sa.BigInteger()),
    sa.column("engagement_rate", sa.Float()),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
)
_METRICS = ("views", "reach", "likes", "comments", "shares", "saves", "engagement_rate")


def upgrade() -> None:
    connection = op.get_bind()
    for days in _live_days(connection):
        _copy_items(connection, days)
    with op.batch_alter_table("daily_snapshots") as batch:
        batch.drop_column("recent_items")
    op.drop_index("ix_content_items_client_id", table_name="content_items")


def downgrade() -> None:
    op.create_index("ix_content_items_client_id", "content_items", ["client_id"])
    with op.batch_alter_table("daily_snapshots") as batch:
        batch.add_column(sa.Column("recent_items", sa.JSON(), nullable=True))


def _live_days(connection: sa.Connection) -> Iterator[list[Any]]:
    """The live days that have items, :data:`BATCH` at a time, in key order (keyset paging)."""
    d = _DAYS.c
    after: tuple[Any, Any] | None = None
    while True:
        query = (
            sa.select(
                d.connection_id,
                d.snapshot_date,
                d.client_id,
                d.platform,
                d.fetched_at,
                d.recent_items,
            )
            .where(sa.not_(d.backfill), sa.not_(d.imported), d.recent_items.is_not(None))
            .order_by(d.connection_id, d.snapshot_date)
            .limit(BATCH)
        )
        if after is not None:
            query = query.where(sa.tuple_(d.connection_id, d.snapshot_date) > sa.tuple_(*after))
        rows = list(connection.execute(query))
        if not rows:
            return
        yield rows
        after = (rows[-1].connection_id, rows[-1].snapshot_date)


def _copy_items(connection: sa.Connection, days: list[Any]) -> None:
    """Insert the items of ``days`` that ``content_items`` lacks (the last of an id wins)."""
    c = _CONTENT.c
    present: set[tuple[Any, str, Any]] = set()
    for connection_id in {day.connection_id for day in days}:
        dates = [day.snapshot_date for day in days if day.connection_id == connection_id]
        present.update(
            (connection_id, item_id, seen_on)
            for item_id, seen_on in connection.execute(
                sa.select(c.item_id, c.seen_on).where(
                    c.connection_id == connection_id, c.seen_on.in_(dates)
                )
            )
        )
    rows: list[dict[str, Any]] = []
    for day in days:
        items = {item["item_id"]: item for item in day.recent_items or [] if "item_id" in item}
        for item_id, item in items.items():
            if (day.connection_id, item_id, day.snapshot_date) in present:
                continue
            rows.append(
                {
                    "connection_id": day.connection_id,
                    "item_id": item_id,
                    "seen_on": day.snapshot_date,
                    "client_id": day.client_id,
                    "platform": day.platform,
                    "kind": item.get("kind") or "post",
                    "published_at": _timestamp(item.get("published_at")),
                    "url": item.get("url"),
                    "caption": item.get("caption"),
                    **{name: item.get(name) for name in _METRICS},
                    "fetched_at": day.fetched_at,
                }
            )
    if rows:
        connection.execute(sa.insert(_CONTENT), rows)


def _timestamp(value: Any) -> datetime | None:
    """An item's ISO timestamp as stored in the JSON, in UTC (SQLite's are naive UTC)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
