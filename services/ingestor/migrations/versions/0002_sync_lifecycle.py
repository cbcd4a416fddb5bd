"""Sync retries and deferrals, daily-trigger claims, raw responses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as table:
        table.add_column(sa.Column("client_id", sa.String(128), nullable=False, server_default=""))
        table.add_column(
            sa.Column("backfill", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        table.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        table.create_index("ix_sync_runs_status", ["status"])
        table.create_index("ix_sync_runs_not_before", ["not_before"])
    op.create_table(
        "schedule_claims",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("job", "day", name="uq_schedule_claims_job_day"),
    )
    op.create_table(
        "raw_responses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("connection_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("sync_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False, index=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("raw_responses")
    op.drop_table("schedule_claims")
    with op.batch_alter_table("sync_runs") as table:
        table.drop_index("ix_sync_runs_not_before")
        table.drop_index("ix_sync_runs_status")
        for column in ("not_before", "attempt", "backfill", "client_id"):
            table.drop_column(column)
