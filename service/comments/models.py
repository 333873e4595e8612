"""Tables for articles, comments, reports and moderation actions."""

from datetime import datetime
from typing import Any

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
    premoderated: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Comment(SQLModel, table=True):
    __table_args__ = (
        # Article page: published (and the author's own) comments, newest first.
        Index("ix_comment_article_id_status_id", "article_id", "status", "id"),
        # The author's own comments across articles.
        Index("ix_comment_author_id_id", "author_id", "id"),
        # Moderator queues: oldest first, and worst first.
        Index("ix_comment_status_id", "status", "id"),
        # The reported queue and its "most reported first" order.
        Index("ix_comment_status_open_reports_id", "status", "open_reports", "id"),
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
    open_reports: int = 0
    """Reports since the last moderator decision; past the threshold the comment is `reported`."""
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
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Set when a moderator decides the comment; the report stays as history."""


class CommentRevision(SQLModel, table=True):
    """A body a comment had before its author edited it."""

    __tablename__ = "comment_revision"
    __table_args__ = (Index("ix_comment_revision_comment_id_id", "comment_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id")
    body: str = Field(sa_type=Text)
    status: CommentStatus = Field(sa_type=String(20))
    created_at: datetime = Field(sa_type=UTCDateTime)
    """When this body was written (the comment's creation or its previous edit)."""


class ModerationAction(SQLModel, table=True):
    """The audit log: one row per moderation event, by the system (actor NULL) or a person. For a
    comment's status change `from_status`/`to_status` are set; `subject_user_id` is the user the
    event is about (the comment's author, or the sanctioned user)."""

    __tablename__ = "moderation_action"
    __table_args__ = (
        Index("ix_moderation_action_comment_id_id", "comment_id", "id"),
        Index("ix_moderation_action_subject_user_id_id", "subject_user_id", "id"),
        Index("ix_moderation_action_actor_id_id", "actor_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(default="status_change", max_length=40)
    comment_id: int | None = Field(default=None, foreign_key="comment.id")
    subject_user_id: int | None = Field(default=None, foreign_key="user.id")
    article_id: str | None = Field(default=None, max_length=128)
    from_status: CommentStatus | None = Field(default=None, sa_type=String(20))
    to_status: CommentStatus | None = Field(default=None, sa_type=String(20))
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    reason: str = Field(max_length=50)
    note: str | None = Field(default=None, max_length=1000)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SiteSettings(SQLModel, table=True):
    """Moderation settings admins change at run time (one row). `version` moves on every change
    of these or of the word lists, so each replica knows when to recompile."""

    __tablename__ = "site_settings"

    id: int = Field(default=1, primary_key=True)
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WordListEntry(SQLModel, table=True):
    __tablename__ = "word_list_entry"
    __table_args__ = (UniqueConstraint("list_name", "word"),)

    id: int | None = Field(default=None, primary_key=True)
    list_name: str = Field(max_length=20)
    word: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
