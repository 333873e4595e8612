"""The one writer of the audit log, and its queries."""

from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel import Session, col, select

from moderation.statuses import CommentStatus
from service.audit.models import AuditEvent
from service.core.db import in_written_order, insert_row
from service.core.pagination import Keyset, Page, SortKey
from service.webhooks.service import WebhookEventType, enqueue


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
    kind = webhook_event_type(action, from_status, to_status)
    if kind is not None:
        enqueue(session, type=kind, data=_webhook_data(event))


WEBHOOK_ACTIONS: dict[str, WebhookEventType] = {
    "created": "comment.created",
    "reported": "comment.reported",
    "user_ban": "user.sanctioned",
    "user_suspend": "user.sanctioned",
    "user_premoderate": "user.sanctioned",
}


def webhook_event_type(
    action: str, from_status: CommentStatus | None, to_status: CommentStatus | None
) -> WebhookEventType | None:
    """Which audited events the newsroom's systems hear of: a comment created, reported or
    moved from one status to another (by anyone), and a user sanctioned."""
    if action in WEBHOOK_ACTIONS:
        return WEBHOOK_ACTIONS[action]
    if from_status is not None and to_status is not None and from_status != to_status:
        return "comment.status_changed"
    return None


def _webhook_data(event: AuditEvent) -> dict[str, Any]:
    return {
        "action": event.action,
        "comment_id": event.comment_id,
        "article_id": event.article_id,
        "user_id": event.subject_user_id,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
        "note": event.note,
        "actor": {"kind": "system" if event.actor_id is None else "person", "id": event.actor_id},
        "detail": event.detail,
    }


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
