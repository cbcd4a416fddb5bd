"""Figures kept at their newest ``MetricsUpdated.revision``; the 30-day change and new followers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watched_accounts") as table:
        table.add_column(sa.Column("followers_change_30d", sa.Integer(), nullable=True))
        table.add_column(sa.Column("growth_pct_30d", sa.Float(), nullable=True))
        table.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("watched_accounts") as table:
        for name in ("revision", "growth_pct_30d", "followers_change_30d"):
            table.drop_column(name)
