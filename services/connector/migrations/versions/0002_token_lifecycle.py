"""Token lifecycle: refresh lease, expiry warnings, re-authorization reason, sync throttle.

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
    with op.batch_alter_table("connections") as table:
        table.add_column(sa.Column("last_sync_requested_at", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("reauth_reason", sa.String(500)))
        table.add_column(sa.Column("expiry_warned_at", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("refresh_lease_until", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("refresh_lease_owner", sa.String(64)))
        table.create_index("ix_connections_access_expires_at", ["access_expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("connections") as table:
        table.drop_index("ix_connections_access_expires_at")
        for column in (
            "refresh_lease_owner",
            "refresh_lease_until",
            "expiry_warned_at",
            "reauth_reason",
            "last_sync_requested_at",
        ):
            table.drop_column(column)
