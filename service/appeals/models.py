"""The appeal table."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from moderation.redress import AppealStatus
from service.core.db import BigId, UTCDateTime, utcnow


class Appeal(SQLModel, table=True):
    __table_args__ = (
        Index("ix_appeal_status_id", "status", "id"),
        Index("ix_appeal_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    statement_id: int = Field(foreign_key="statement_of_reasons.id", sa_type=BigId, unique=True)
    """One appeal per decision, whatever races: a decided appeal is not re-opened."""
    appellant_id: int = Field(foreign_key="user.id", sa_type=BigId)
    comment_id: int | None = Field(default=None, foreign_key="comment.id", sa_type=BigId)
    explanation: str = Field(sa_type=Text)
    status: AppealStatus = Field(default=AppealStatus.OPEN, sa_type=String(20))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)
    decision_explanation: str | None = Field(default=None, sa_type=Text)
