"""The audit log as moderators read it."""

from datetime import datetime
from typing import Any

from moderation.statuses import CommentStatus
from service.core.schemas import Schema


class AuditEventPublic(Schema):
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


class AuditPage(Schema):
    items: list[AuditEventPublic]
    next_cursor: str | None
