"""The answers given to keyed requests, kept for a day."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """One keyed request of one user: what it asked (a fingerprint) and what it was answered.
    Written in the same transaction as the work it answers, so the two stand or fall together."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_key_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    user_id: int = Field(foreign_key="user.id", sa_type=BigId, ondelete="CASCADE")
    key: str = Field(sa_type=String(255))
    fingerprint: str = Field(sa_type=String(64))
    status_code: int
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
