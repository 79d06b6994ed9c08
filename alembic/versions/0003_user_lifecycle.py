"""User lifecycle at the identity provider: revocations, webhook deliveries, profile version.

Also two audit kinds: `webhook` (an applied provider event) and `account_deleted`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "'sign_in', 'sign_out', 'token_rejected', 'session_expired', 'rate_limited'"
NEW_KINDS = OLD_KINDS + ", 'webhook', 'account_deleted'"
ONCE_PER_SID_WHERE = "kind IN ('sign_in', 'sign_out') AND sid IS NOT NULL"


def _audit_kinds(kinds: str) -> None:
    # SQLite rebuilds the table to change a CHECK; the partial index is dropped and made again
    # around it so its WHERE clause cannot be lost in the copy.
    op.drop_index("ux_auth_events_once_per_sid", table_name="auth_events")
    with op.batch_alter_table("auth_events", table_kwargs={"sqlite_autoincrement": True}) as events:
        events.drop_constraint("ck_auth_events_kind", type_="check")
        events.create_check_constraint("ck_auth_events_kind", f"kind IN ({kinds})")
    op.create_index(
        "ux_auth_events_once_per_sid", "auth_events", ["kind", "sid"], unique=True,
        sqlite_where=sa.text(ONCE_PER_SID_WHERE), postgresql_where=sa.text(ONCE_PER_SID_WHERE),
    )


def upgrade() -> None:
    """Create `revocations` and `webhook_deliveries`; add `users.profile_updated_at` and two audit kinds."""
    op.create_table(
        "revocations",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=False),
        sa.Column("keep_until", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('session', 'user')", name="ck_revocations_kind"),
        sa.PrimaryKeyConstraint("kind", "value"),
    )
    op.create_index("ix_revocations_keep_until", "revocations", ["keep_until"], unique=False)
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"], unique=False)
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("profile_updated_at", sa.BigInteger(), nullable=True))
    _audit_kinds(NEW_KINDS)


def downgrade() -> None:
    """Drop both tables, the profile version and the two audit kinds (their rows go too)."""
    op.execute("DELETE FROM auth_events WHERE kind IN ('webhook', 'account_deleted')")
    _audit_kinds(OLD_KINDS)
    with op.batch_alter_table("users", table_kwargs={"sqlite_autoincrement": True}) as users:
        users.drop_column("profile_updated_at")
    op.drop_index("ix_webhook_deliveries_received_at", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_revocations_keep_until", table_name="revocations")
    op.drop_table("revocations")
