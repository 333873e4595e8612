"""The audit log's table."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from moderation.statuses import CommentStatus
from service.core.db import BigId, UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """One moderation event, by the system (actor NULL) or a person. For a comment's status
    change `from_status`/`to_status` are set; `subject_user_id` is the user the event is about
    (the comment's author, or the sanctioned user)."""

    __tablename__ = "moderation_action"
    __table_args__ = (
        Index("ix_moderation_action_comment_id_id", "comment_id", "id"),
        Index("ix_moderation_action_subject_user_id_id", "subject_user_id", "id"),
        Index("ix_moderation_action_actor_id_id", "actor_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    action: str = Field(default="status_change", max_length=40)
    comment_id: int | None = Field(default=None, foreign_key="comment.id", sa_type=BigId)
    subject_user_id: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)
    article_id: str | None = Field(default=None, max_length=128)
    from_status: CommentStatus | None = Field(default=None, sa_type=String(20))
    to_status: CommentStatus | None = Field(default=None, sa_type=String(20))
    actor_id: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)
    reason: str = Field(max_length=200)
    """A code (`toxic`, `approved`, ...) or, for a sanction, the moderator's own words."""
    note: str | None = Field(default=None, max_length=1000)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
