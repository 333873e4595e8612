"""What the API accepts and returns for comments, for readers and for moderators."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

from moderation.statuses import CommentStatus, RejectReason

ArticleId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9._:-]{1,128}$",
        description="The CMS's article id: 1-128 characters of `A-Z a-z 0-9 . _ : -`.",
    ),
]

MAX_RAW_BODY = 20_000
"""Far above 250 characters of any script; stops megabyte bodies before the text rules run."""


class CommentCreate(BaseModel):
    body: str = Field(max_length=MAX_RAW_BODY)
    parent_id: int | None = None
    acknowledge_toxicity: bool = False
    """Post anyway after the toxicity warning (`toxic_comment`); the comment is held."""


class CommentEdit(BaseModel):
    body: str = Field(max_length=MAX_RAW_BODY)
    acknowledge_toxicity: bool = False


class ReportReason(StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    MISINFORMATION = "misinformation"
    OTHER = "other"


class ReportCreate(BaseModel):
    reason: ReportReason
    note: str | None = Field(default=None, max_length=500)


class ReportPublic(BaseModel):
    id: int
    comment_id: int
    reason: ReportReason
    note: str | None
    created_at: datetime


class AuthorPublic(BaseModel):
    id: int
    display_name: str


class CommentPublic(BaseModel):
    id: int
    article_id: str
    parent_id: int | None
    author: AuthorPublic
    body: str
    status: CommentStatus
    status_reason: str | None = None
    """Shown to the author of a held or rejected comment (and to moderators)."""
    reply_count: int = 0
    created_at: datetime
    edited_at: datetime | None = None


class CommentPage(BaseModel):
    items: list[CommentPublic]
    next_cursor: str | None


class CommentCount(BaseModel):
    article_id: str
    count: int


class CommentAdmin(CommentPublic):
    scores: dict[str, float] | None
    toxicity: float | None
    model_id: str | None
    open_reports: int


class ModerationActionPublic(BaseModel):
    id: int
    action: str
    comment_id: int | None
    subject_user_id: int | None
    article_id: str | None
    from_status: CommentStatus | None
    to_status: CommentStatus | None
    actor_id: int | None
    reason: str
    note: str | None
    detail: dict[str, Any] | None
    created_at: datetime


class RevisionPublic(BaseModel):
    body: str
    status: CommentStatus
    created_at: datetime


class CommentAdminDetail(CommentAdmin):
    actions: list[ModerationActionPublic]
    revisions: list[RevisionPublic]
    reports: list[ReportPublic]


class CommentAdminPage(BaseModel):
    items: list[CommentAdmin]
    next_cursor: str | None


class AuditPage(BaseModel):
    items: list[ModerationActionPublic]
    next_cursor: str | None


class ApproveRequest(BaseModel):
    note: str | None = Field(default=None, max_length=1000)
    expected_status: CommentStatus | None = None
    """The status the moderator saw; needed to reverse a decision (approve a rejected comment)."""


class RejectRequest(BaseModel):
    reason: RejectReason
    note: str | None = Field(default=None, max_length=1000)
    expected_status: CommentStatus | None = None
    """The status the moderator saw; needed to take down a published comment nobody reported."""
