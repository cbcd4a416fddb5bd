"""Report days.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_days",
        sa.Column("connection_id", sa.Uuid(), primary_key=True),
        sa.Column("metrics_date", sa.Date(), primary_key=True),
        sa.Column("client_id", sa.String(128), nullable=False, index=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=True),
        sa.Column("followers_change_1d", sa.Integer(), nullable=True),
        sa.Column("followers_change_7d", sa.Integer(), nullable=True),
        sa.Column("growth_pct_7d", sa.Float(), nullable=True),
        sa.Column("growth_pct_30d", sa.Float(), nullable=True),
        sa.Column("engagement_rate", sa.Float(), nullable=True),
        sa.Column("posts", sa.Integer(), nullable=True),
        sa.Column("backfill", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_days")
