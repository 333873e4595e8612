"""The one writer of the audit log, and its queries."""

from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel import Session, col, select

from moderation.statuses import CommentStatus
from service.audit.models import AuditEvent
from service.core.db import in_written_order, insert_row
from service.core.pagination import Keyset, Page, SortKey


class AuditedComment(Protocol):
    """What the log needs of a comment (the comments feature's table has it)."""

    @property
    def id(self) -> int | None: ...
    @property
    def author_id(self) -> int: ...
    @property
    def article_id(self) -> str: ...


def record(
    session: Session,
    *,
    action: str,
    reason: str,
    actor_id: int | None,
    comment: AuditedComment | None = None,
    subject_user_id: int | None = None,
    article_id: str | None = None,
    from_status: CommentStatus | None = None,
    to_status: CommentStatus | None = None,
    note: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Writes one event in the caller's transaction. An event about a comment is also about its
    author and its article."""
    if comment is not None:
        subject_user_id = comment.author_id
        article_id = comment.article_id
    event = AuditEvent(
        action=action,
        reason=reason,
        actor_id=actor_id,
        comment_id=comment.id if comment is not None else None,
        subject_user_id=subject_user_id,
        article_id=article_id,
        from_status=from_status,
        to_status=to_status,
        note=note,
        detail=detail,
    )
    insert_row(session, event)


@dataclass(frozen=True, kw_only=True)
class AuditFilter:
    comment_id: int | None = None
    author_id: int | None = None
    """The user an event is about (a comment's author, a sanctioned user)."""
    actor_id: int | None = None


NEWEST_FIRST = Keyset[AuditEvent](
    (SortKey(col(AuditEvent.id), int, descending=True),), lambda event: [event.id or 0]
)


def audit_page(
    session: Session, *, where: AuditFilter, limit: int, cursor: str | None
) -> Page[AuditEvent]:
    query = select(AuditEvent)
    if where.comment_id is not None:
        query = query.where(AuditEvent.comment_id == where.comment_id)
    if where.author_id is not None:
        query = query.where(AuditEvent.subject_user_id == where.author_id)
    if where.actor_id is not None:
        query = query.where(AuditEvent.actor_id == where.actor_id)
    query = NEWEST_FIRST.apply(query, limit=limit, cursor=cursor)
    return NEWEST_FIRST.page(session.exec(query).all(), limit)


def comment_history(session: Session, comment_id: int) -> list[AuditEvent]:
    """Every event on one comment, oldest first."""
    return in_written_order(session, AuditEvent, AuditEvent.comment_id == comment_id)


def sanction_history(session: Session, user_id: int) -> list[AuditEvent]:
    """Sanctions on a user and their lifting, oldest first."""
    return in_written_order(
        session,
        AuditEvent,
        AuditEvent.subject_user_id == user_id,
        col(AuditEvent.action).startswith("user_"),
    )
