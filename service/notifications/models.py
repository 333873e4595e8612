"""The notification table."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class NotificationKind(StrEnum):
    STATEMENT = "statement"
    """A statement of reasons: one of my comments or my account was restricted."""
    REPLY = "reply"
    COMMENT_APPROVED = "comment_approved"
    NOTICE_UPDATE = "notice_update"
    """A step in a notice I sent or one about my comment (blocked, objected, decided)."""
    APPEAL_DECIDED = "appeal_decided"


class Notification(SQLModel, table=True):
    __table_args__ = (
        Index("ix_notification_user_id_id", "user_id", "id"),
        Index("ix_notification_user_id_read_at", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    user_id: int = Field(foreign_key="user.id", sa_type=BigId)
    kind: NotificationKind = Field(sa_type=String(30))
    message: str = Field(max_length=1000)
    comment_id: int | None = Field(default=None, foreign_key="comment.id", sa_type=BigId)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    """Ids to follow: `statement_id`, `notice_reference`, `appeal_id`, `reply_id`."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
