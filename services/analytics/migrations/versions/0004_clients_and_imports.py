"""Clients and their programs (from the CRM topic or the admin routes); imported history days.

``daily_snapshots.imported`` marks a day whose figures an admin imported (counts the client
recorded); every existing day came from the platform, so it starts false.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("program_start", sa.Date(), nullable=False),
        sa.Column("program_end", sa.Date(), nullable=False),
        sa.Column("follower_goal", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "deliverables",
        sa.Column("client_id", sa.String(128), primary_key=True),
        sa.Column("code", sa.String(8), primary_key=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("daily_snapshots") as table:
        table.add_column(
            sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("daily_snapshots") as table:
        table.drop_column("imported")
    op.drop_table("deliverables")
    op.drop_table("clients")
