"""Tables for articles, comments, reports and moderation actions."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlmodel import Field, SQLModel, col

from moderation.statuses import CommentStatus
from service.db import UTCDateTime, utcnow


class Article(SQLModel, table=True):
    """An article of the CMS, registered the first time someone comments on it."""

    id: str = Field(primary_key=True, max_length=128)
    url: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=500)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Comment(SQLModel, table=True):
    __table_args__ = (
        # Article page: published (and the author's own) comments, newest first.
        Index("ix_comment_article_id_status_id", "article_id", "status", "id"),
        # The author's own comments across articles.
        Index("ix_comment_author_id_id", "author_id", "id"),
        # Moderator queues: oldest first, and worst first.
        Index("ix_comment_status_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: str = Field(foreign_key="article.id", max_length=128)
    author_id: int = Field(foreign_key="user.id")
    parent_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    body: str = Field(sa_type=Text)
    status: CommentStatus = Field(default=CommentStatus.PENDING, sa_type=String(20))
    status_reason: str | None = Field(default=None, max_length=50)
    scores: dict[str, float] | None = Field(default=None, sa_column=Column(JSON))
    toxicity: float | None = None
    model_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def toxicity_sort_key() -> ColumnElement[float]:
    """Queue order for "worst first": unscored comments (NULL) sort after every scored one. The
    constant is inlined so the query's expression matches the index's."""
    return func.coalesce(col(Comment.toxicity), literal_column("-1.0"))


Index(
    "ix_comment_status_toxicity",
    col(Comment.status),
    toxicity_sort_key().desc(),
    col(Comment.id),
)


class Report(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id")
    reporter_id: int = Field(foreign_key="user.id", index=True)
    reason: str = Field(max_length=30)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ModerationAction(SQLModel, table=True):
    """The audit log: one row per status change, by the system (actor NULL) or a person."""

    __tablename__ = "moderation_action"
    __table_args__ = (Index("ix_moderation_action_comment_id_id", "comment_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id")
    from_status: CommentStatus | None = Field(default=None, sa_type=String(20))
    to_status: CommentStatus = Field(sa_type=String(20))
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    reason: str = Field(max_length=50)
    note: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
