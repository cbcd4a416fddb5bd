"""Signals raised (milestones, surges, declines, stalls, low engagement, stale data), each once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("scope", sa.String(160), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("client_id", sa.String(128), nullable=False, index=True),
        sa.Column("connection_id", sa.Uuid(), nullable=True),
        sa.Column("platform", sa.String(32), nullable=True),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("signals")
