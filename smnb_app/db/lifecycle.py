"""SQLModel tables of the users' life at the identity provider: revocations and webhook deliveries.

`revocations` holds the provider sessions (`kind = 'session'`, `value = sid`) and the users
(`kind = 'user'`, `value = token_identifier`) whose tokens the server refuses although they
verify: ended or revoked sessions, deleted users. A row is kept until `keep_until`, past the
life of any token of that session. `webhook_deliveries` holds the `svix-id` of every applied
webhook delivery, so a retried delivery is not applied twice.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlmodel import Field, SQLModel

from smnb_app.db.models import epoch_ms

REVOCATION_KINDS: tuple[str, ...] = ("session", "user")


class Revocation(SQLModel, table=True):
    """A provider session or a user whose tokens are refused after verification."""

    __tablename__ = "revocations"  # pyright: ignore[reportAssignmentType]  # as on models.User
    __table_args__ = (
        Index("ix_revocations_keep_until", "keep_until"),
        CheckConstraint("kind IN ('session', 'user')", name="ck_revocations_kind"),
    )

    kind: str = Field(sa_type=String(16), primary_key=True)
    value: str = Field(sa_type=String(255), primary_key=True)
    reason: str = Field(sa_type=String(64), nullable=False)
    revoked_at: int = Field(default_factory=epoch_ms, sa_type=BigInteger, nullable=False)
    keep_until: int = Field(sa_type=BigInteger, nullable=False)


class WebhookDelivery(SQLModel, table=True):
    """A webhook delivery that was applied, by its `svix-id`."""

    __tablename__ = "webhook_deliveries"  # pyright: ignore[reportAssignmentType]  # as on models.User
    __table_args__ = (Index("ix_webhook_deliveries_received_at", "received_at"),)

    id: str = Field(sa_type=String(128), primary_key=True)
    event_type: str = Field(sa_type=String(64), nullable=False)
    received_at: int = Field(default_factory=epoch_ms, sa_type=BigInteger, nullable=False)
