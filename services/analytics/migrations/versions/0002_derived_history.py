"""Observed facts and derived figures side by side in the daily history; the outbox.

``followers`` becomes the derived count (observed, or rebuilt from gains and losses); what the
platform stated moves to ``followers_observed``. Existing live rows keep their count as observed.
``MetricsUpdated`` events now leave through the outbox, in the transaction that derived them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from shared.db.migration_helpers import create_outbox

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("followers_observed", sa.Integer()),
    ("followers_gained", sa.Integer()),
    ("followers_lost", sa.Integer()),
    ("series_fetched_at", sa.DateTime(timezone=True)),
    ("follower_source", sa.String(16)),
    ("followers_change_1d", sa.Integer()),
    ("followers_change_7d", sa.Integer()),
    ("followers_change_30d", sa.Integer()),
    ("growth_pct_7d", sa.Float()),
    ("growth_pct_30d", sa.Float()),
)


def upgrade() -> None:
    with op.batch_alter_table("tracked_connections") as table:
        table.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("daily_snapshots") as table:
        for name, kind in _COLUMNS:
            table.add_column(sa.Column(name, kind, nullable=True))
    op.execute("UPDATE daily_snapshots SET followers_observed = followers WHERE backfill = false")
    create_outbox()


def downgrade() -> None:
    op.drop_table("outbox")
    with op.batch_alter_table("daily_snapshots") as table:
        for name, _ in reversed(_COLUMNS):
            table.drop_column(name)
    with op.batch_alter_table("tracked_connections") as table:
        table.drop_column("revision")
