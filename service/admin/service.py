"""Moderator queues, decisions (single, bulk, by author) and the audit log. Every decision goes
through `change_status` and is audited."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from auth.models import User
from moderation.statuses import (
    CommentStatus,
    ModeratorAction,
    TransitionRefused,
    moderator_decision,
)
from service.comments.models import (
    Comment,
    CommentRevision,
    ModerationAction,
    Report,
    toxicity_sort_key,
)
from service.comments.service import (
    CommentWithAuthor,
    InvalidTransition,
    change_status,
    get_comment,
    page,
)
from service.db import utcnow
from service.errors import AppError
from service.pagination import decode_cursor

APPROVED = "approved"


class Queue(StrEnum):
    HELD = "held"
    REPORTED = "reported"
    REJECTED = "rejected"
    APPROVED = "approved"


class QueueSort(StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    TOXICITY = "toxicity"
    REPORTS = "reports"


def queue_condition(queue: Queue, report_threshold: int) -> ColumnElement[bool]:
    status = col(Comment.status)
    if queue == Queue.HELD:
        return status == CommentStatus.HELD
    if queue == Queue.REJECTED:
        return status == CommentStatus.REJECTED
    if queue == Queue.REPORTED:
        return and_(
            status == CommentStatus.PUBLISHED, col(Comment.open_reports) >= report_threshold
        )
    return and_(status == CommentStatus.PUBLISHED, col(Comment.status_reason) == APPROVED)


@dataclass(frozen=True)
class QueueFilter:
    queue: Queue
    report_threshold: int
    article_id: str | None = None
    author_id: int | None = None


def queue_query(
    where: QueueFilter, sort: QueueSort, limit: int, cursor: str | None
) -> Select[Comment, str]:
    query = (
        select(Comment, User.display_name)
        .join(User, col(User.id) == Comment.author_id)
        .where(queue_condition(where.queue, where.report_threshold))
        .limit(limit + 1)
    )
    if where.article_id is not None:
        query = query.where(Comment.article_id == where.article_id)
    if where.author_id is not None:
        query = query.where(Comment.author_id == where.author_id)
    comment_id = col(Comment.id)
    if sort in (QueueSort.TOXICITY, QueueSort.REPORTS):
        key: ColumnElement[Any] = toxicity_sort_key()
        if sort == QueueSort.REPORTS:
            key = Comment.__table__.c.open_reports  # type: ignore[attr-defined]
        query = query.order_by(key.desc(), comment_id)
        if cursor is not None:
            last_key, last_id = decode_cursor(cursor, [float, int])
            query = query.where(or_(key < last_key, and_(key == last_key, comment_id > last_id)))
        return query
    newest = sort == QueueSort.NEWEST
    query = query.order_by(comment_id.desc() if newest else comment_id)
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, [int])
        query = query.where(comment_id < last_id if newest else comment_id > last_id)
    return query


def _sort_value(comment: Comment, sort: QueueSort) -> float:
    if sort == QueueSort.REPORTS:
        return comment.open_reports
    return comment.toxicity if comment.toxicity is not None else -1.0


def queue(
    session: Session, where: QueueFilter, sort: QueueSort, limit: int, cursor: str | None
) -> tuple[list[CommentWithAuthor], str | None]:
    rows = [
        CommentWithAuthor(comment, name)
        for comment, name in session.exec(queue_query(where, sort, limit, cursor)).all()
    ]
    if sort in (QueueSort.TOXICITY, QueueSort.REPORTS):
        return page(rows, limit, lambda row: [_sort_value(row.comment, sort), row.comment.id])
    return page(rows, limit, lambda row: [row.comment.id])


def queue_counts(session: Session, report_threshold: int, article_id: str | None) -> dict[str, int]:
    counts = {}
    for name in Queue:
        query = select(func.count()).select_from(Comment)
        query = query.where(queue_condition(name, report_threshold))
        if article_id is not None:
            query = query.where(Comment.article_id == article_id)
        counts[name.value] = session.exec(query).one()
    return counts


def busiest_articles(
    session: Session, report_threshold: int, limit: int = 50
) -> list[tuple[str, int, int]]:
    """(article, held, reported) for the articles with the most waiting, for the badges."""
    is_reported = queue_condition(Queue.REPORTED, report_threshold)
    held = func.sum(case((col(Comment.status) == CommentStatus.HELD, 1), else_=0))
    reported = func.sum(case((is_reported, 1), else_=0))
    rows = session.exec(
        select(Comment.article_id, held, reported)
        .where(or_(col(Comment.status) == CommentStatus.HELD, is_reported))
        .group_by(col(Comment.article_id))
        .order_by((held + reported).desc(), col(Comment.article_id))
        .limit(limit)
    ).all()
    return [(article, int(h or 0), int(r or 0)) for article, h, r in rows]


def comment_history(session: Session, comment_id: int) -> list[ModerationAction]:
    return list(
        session.exec(
            select(ModerationAction)
            .where(ModerationAction.comment_id == comment_id)
            .order_by(col(ModerationAction.id))
        ).all()
    )


def comment_revisions(session: Session, comment_id: int) -> list[CommentRevision]:
    return list(
        session.exec(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment_id)
            .order_by(col(CommentRevision.id))
        ).all()
    )


def comment_reports(session: Session, comment_id: int) -> list[Report]:
    return list(
        session.exec(
            select(Report).where(Report.comment_id == comment_id).order_by(col(Report.id))
        ).all()
    )


def decide(
    session: Session,
    comment_id: int,
    action: ModeratorAction,
    moderator: User,
    reason: str,
    note: str | None,
    expected_status: CommentStatus | None = None,
) -> Comment:
    """Approve or reject. Approving a published comment that readers reported keeps it up and
    clears it from the reported queue; either decision settles the open reports."""
    comment = get_comment(session, comment_id)
    try:
        to_status = moderator_decision(
            action, comment.status, comment.open_reports, expected_status
        )
    except TransitionRefused as refused:
        raise InvalidTransition(str(refused)) from refused
    change_status(
        session,
        comment,
        to_status,
        reason=reason,
        actor_id=moderator.id,
        note=note,
        open_reports=0,
    )
    session.execute(
        update(Report)
        .where(col(Report.comment_id) == comment_id, col(Report.resolved_at).is_(None))
        .values(resolved_at=utcnow())
    )
    return comment


@dataclass(frozen=True)
class BulkResult:
    id: int
    ok: bool
    status: CommentStatus | None = None
    error: str | None = None


def decide_many(
    session: Session,
    ids: list[int],
    action: ModeratorAction,
    moderator: User,
    reason: str,
    note: str | None,
    expected_status: CommentStatus | None = None,
) -> list[BulkResult]:
    """Each comment in its own savepoint: one that cannot be decided does not undo the others."""
    results = []
    for comment_id in ids:
        try:
            with session.begin_nested():
                comment = decide(
                    session, comment_id, action, moderator, reason, note, expected_status
                )
            results.append(BulkResult(comment_id, ok=True, status=comment.status))
        except AppError as error:
            results.append(BulkResult(comment_id, ok=False, error=error.code))
    return results


def reject_all_by(
    session: Session, author_id: int, moderator: User, reason: str, note: str | None
) -> list[BulkResult]:
    """Takes down everything held or published by one author: an explicit decision on each
    comment as it is now."""
    comments = session.exec(
        select(Comment)
        .where(
            Comment.author_id == author_id,
            col(Comment.status).in_([CommentStatus.HELD, CommentStatus.PUBLISHED]),
        )
        .order_by(col(Comment.id))
    ).all()
    results = []
    for comment in comments:
        assert comment.id is not None
        results += decide_many(
            session, [comment.id], ModeratorAction.REJECT, moderator, reason, note, comment.status
        )
    return results


@dataclass(frozen=True)
class AuditFilter:
    comment_id: int | None = None
    author_id: int | None = None
    actor_id: int | None = None


def audit_log(
    session: Session, where: AuditFilter, limit: int, cursor: str | None
) -> tuple[list[ModerationAction], str | None]:
    query = select(ModerationAction).order_by(col(ModerationAction.id).desc()).limit(limit + 1)
    if where.comment_id is not None:
        query = query.where(ModerationAction.comment_id == where.comment_id)
    if where.author_id is not None:
        query = query.where(ModerationAction.subject_user_id == where.author_id)
    if where.actor_id is not None:
        query = query.where(ModerationAction.actor_id == where.actor_id)
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, [int])
        query = query.where(col(ModerationAction.id) < last_id)
    return page(session.exec(query).all(), limit, lambda action: [action.id])
