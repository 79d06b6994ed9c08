"""Audit trail of authentication events: table auth_events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONCE_PER_SID_WHERE = "kind IN ('sign_in', 'sign_out') AND sid IS NOT NULL"


def upgrade() -> None:
    """Create `auth_events` with its kind check, its foreign key to users and its indexes."""
    op.create_table(
        "auth_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("sid", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=256), nullable=True),
        sa.CheckConstraint(
            "kind IN ('sign_in', 'sign_out', 'token_rejected', 'session_expired', "
            "'rate_limited')",
            name="ck_auth_events_kind",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_auth_events_user_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_auth_events_user_id_kind_at",
        "auth_events",
        ["user_id", "kind", "at"],
        unique=False,
    )
    op.create_index("ix_auth_events_at", "auth_events", ["at"], unique=False)
    op.create_index(
        "ux_auth_events_once_per_sid",
        "auth_events",
        ["kind", "sid"],
        unique=True,
        sqlite_where=sa.text(ONCE_PER_SID_WHERE),
        postgresql_where=sa.text(ONCE_PER_SID_WHERE),
    )


def downgrade() -> None:
    """Drop `auth_events` and its indexes; users and sessions are untouched."""
    op.drop_index("ux_auth_events_once_per_sid", table_name="auth_events")
    op.drop_index("ix_auth_events_at", table_name="auth_events")
    op.drop_index("ix_auth_events_user_id_kind_at", table_name="auth_events")
    op.drop_table("auth_events")
