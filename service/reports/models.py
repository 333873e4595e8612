"""The report table."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class Report(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    comment_id: int = Field(foreign_key="comment.id", sa_type=BigId)
    reporter_id: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId, index=True)
    """None for the service's own report (`reaction_burst`)."""
    reason: str = Field(max_length=30)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when a moderator decides the comment; the report stays as history."""
