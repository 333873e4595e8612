"""The statement-of-reasons table."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from moderation.redress import GroundKind, Means, Restriction
from moderation.statuses import CommentStatus
from service.core.db import BigId, UTCDateTime, utcnow

EXCERPT_LENGTH = 120


class StatementOfReasons(SQLModel, table=True):
    """What was restricted, why, how it was found and decided, and how to seek redress."""

    __tablename__ = "statement_of_reasons"
    __table_args__ = (
        Index("ix_statement_of_reasons_user_id_id", "user_id", "id"),
        Index("ix_statement_of_reasons_comment_id_id", "comment_id", "id"),
        Index("ix_statement_of_reasons_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    user_id: int = Field(foreign_key="user.id", sa_type=BigId)
    """The author of the comment, or the sanctioned account."""
    comment_id: int | None = Field(default=None, foreign_key="comment.id", sa_type=BigId)
    restriction: Restriction = Field(sa_type=String(30))
    comment_status: CommentStatus | None = Field(default=None, sa_type=String(20))
    """The status the restriction put the comment in (an appeal reverses only that)."""
    excerpt: str | None = Field(default=None, max_length=EXCERPT_LENGTH * 4)
    facts: str = Field(sa_type=Text)
    detected_by: Means = Field(sa_type=String(20))
    automated_detection: bool
    automated_decision: bool
    ground_kind: GroundKind = Field(sa_type=String(10))
    ground: str = Field(max_length=200)
    ground_text: str = Field(max_length=1000)
    redress: str = Field(sa_type=Text)
    decided_by: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)
    """The person who decided; None for an automated decision."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    appealable_until: datetime = Field(sa_type=UTCDateTime)
