"""The legal-notice table; a notice on a published comment about someone's rights also carries
the temporary measure it started."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from moderation.redress import NoticeAction, NoticeKind, NoticeStatus
from service.core.db import BigId, UTCDateTime, utcnow

REFERENCE_LENGTH = 24


class Notice(SQLModel, table=True):
    __table_args__ = (
        # The moderators' notices queue, oldest first.
        Index("ix_notice_status_id", "status", "id"),
        Index("ix_notice_comment_id_id", "comment_id", "id"),
        # The sweep that ends temporary measures.
        Index("ix_notice_status_measure_ends_at", "status", "measure_ends_at"),
        Index("ix_notice_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    reference: str = Field(max_length=REFERENCE_LENGTH, unique=True)
    """What the notifier quotes; unguessable, so it also lets its holder follow the notice."""
    comment_id: int = Field(foreign_key="comment.id", sa_type=BigId)
    article_id: str = Field(max_length=128)
    kind: NoticeKind = Field(sa_type=String(30))
    explanation: str = Field(sa_type=Text)
    legal_ground: str | None = Field(default=None, max_length=300)
    notifier_name: str = Field(max_length=200)
    notifier_email: str = Field(max_length=320)
    notifier_id: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)
    """The notifier's account, when they were signed in: they are also told in the app."""
    repeat: bool = False
    """Filed after a notice on the same comment was decided: it started no measure by itself
    and waits for a moderator's decision (`moderation.redress.MeasureStart.REPEAT`)."""
    status: NoticeStatus = Field(default=NoticeStatus.RECEIVED, sa_type=String(20))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    measure_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when this notice hid the comment (or found it hidden by an earlier one)."""
    measure_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    objection: str | None = Field(default=None, sa_type=Text)
    objected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """The measure ended after an objection with no decision: moderators must decide."""
    action: NoticeAction | None = Field(default=None, sa_type=String(20))
    ground: str | None = Field(default=None, max_length=300)
    decision_explanation: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)
    """None when the measure ended by itself (`temporary_measure_expired`)."""
