"""The moderators' queues and their decisions (single, bulk, by author). Every decision goes
through `change_status`, so it is a compare-and-set and audited."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from auth.models import User
from moderation.queues import APPROVED_REASON, Queue
from moderation.scoring.scorers import Scores
from moderation.statuses import (
    CommentStatus,
    ModeratorAction,
    TransitionRefused,
    moderator_decision,
)
from service.comments.errors import InvalidTransition
from service.comments.models import Comment, CommentWithAuthor, toxicity_sort_key
from service.comments.service import NEWEST_FIRST, change_status, get_comment
from service.core.db import in_written_order, utcnow
from service.core.errors import AppError
from service.core.pagination import Keyset, Page, SortKey
from service.queue.schemas import QueueSort
from service.reports.service import settle_reports

_ID = SortKey(col(Comment.id), int)
SORTS: dict[QueueSort, Keyset[CommentWithAuthor]] = {
    QueueSort.OLDEST: Keyset((_ID,), lambda row: [row.comment.id or 0]),
    QueueSort.NEWEST: NEWEST_FIRST,
    QueueSort.TOXICITY: Keyset(
        (SortKey(toxicity_sort_key(), float, descending=True), _ID),
        lambda row: [
            row.comment.toxicity if row.comment.toxicity is not None else -1.0,
            row.comment.id or 0,
        ],
    ),
    QueueSort.REPORTS: Keyset(
        (SortKey(col(Comment.open_reports), int, descending=True, largest=2**31 - 1), _ID),
        lambda row: [row.comment.open_reports, row.comment.id or 0],
    ),
}


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
    return and_(status == CommentStatus.PUBLISHED, col(Comment.status_reason) == APPROVED_REASON)


@dataclass(frozen=True, kw_only=True)
class QueueFilter:
    queue: Queue
    report_threshold: int
    article_id: str | None = None
    author_id: int | None = None


def queue_query(
    where: QueueFilter, sort: QueueSort, *, limit: int, cursor: str | None
) -> Select[Comment, str]:
    query = (
        select(Comment, User.display_name)
        .join(User, col(User.id) == Comment.author_id)
        .where(queue_condition(where.queue, where.report_threshold))
    )
    if where.article_id is not None:
        query = query.where(Comment.article_id == where.article_id)
    if where.author_id is not None:
        query = query.where(Comment.author_id == where.author_id)
    return SORTS[sort].apply(query, limit=limit, cursor=cursor)


def queue_page(
    session: Session, *, where: QueueFilter, sort: QueueSort, limit: int, cursor: str | None
) -> Page[CommentWithAuthor]:
    query = queue_query(where, sort, limit=limit, cursor=cursor)
    rows = [CommentWithAuthor(comment, name) for comment, name in session.exec(query).all()]
    return SORTS[sort].page(rows, limit)


@dataclass(frozen=True, kw_only=True)
class Review:
    """A moderator's decision on a comment: approve or reject, why, and the status the
    moderator saw (needed to reverse an earlier decision)."""

    action: ModeratorAction
    reason: str
    note: str | None = None
    expected_status: CommentStatus | None = None


def review_comment(
    session: Session, *, comment_id: int, review: Review, moderator: User
) -> Comment:
    """Approve or reject. Approving a published comment that readers reported keeps it up and
    clears it from the reported queue; either decision settles the open reports."""
    comment = get_comment(session, comment_id)
    try:
        to_status = moderator_decision(
            review.action, comment.status, comment.open_reports, review.expected_status
        )
    except TransitionRefused as refused:
        raise InvalidTransition(str(refused)) from refused
    change_status(
        session,
        comment,
        to_status,
        reason=review.reason,
        actor_id=moderator.id,
        note=review.note,
        open_reports=0,
    )
    settle_reports(session, comment_id)
    return comment


@dataclass(frozen=True)
class ReviewResult:
    id: int
    ok: bool
    status: CommentStatus | None = None
    error: str | None = None


def review_many(
    session: Session, *, ids: list[int], review: Review, moderator: User
) -> list[ReviewResult]:
    """Each comment in its own savepoint: one that cannot be decided does not undo the others.
    The comments are loaded in one query first; each decision then finds its own."""
    session.exec(select(Comment).where(col(Comment.id).in_(ids))).all()
    return [_review_alone(session, comment_id, review, moderator) for comment_id in ids]


def _review_alone(
    session: Session, comment_id: int, review: Review, moderator: User
) -> ReviewResult:
    """One decision in its own savepoint, its refusal reported instead of raised."""
    try:
        with session.begin_nested():
            comment = review_comment(
                session, comment_id=comment_id, review=review, moderator=moderator
            )
    except AppError as error:
        return ReviewResult(comment_id, ok=False, error=error.code)
    return ReviewResult(comment_id, ok=True, status=comment.status)


def reject_all_by_author(
    session: Session, *, author_id: int, reason: str, note: str | None, moderator: User
) -> list[ReviewResult]:
    """Takes down everything held or published by one author: an explicit decision on each
    comment as it is now."""
    comments = in_written_order(
        session,
        Comment,
        Comment.author_id == author_id,
        col(Comment.status).in_([CommentStatus.HELD, CommentStatus.PUBLISHED]),
    )
    return [
        _review_alone(
            session,
            comment.id or 0,
            Review(
                action=ModeratorAction.REJECT,
                reason=reason,
                note=note,
                expected_status=comment.status,
            ),
            moderator,
        )
        for comment in comments
    ]


PREVIEW_SAMPLE = 20_000
"""The newest scored comments a threshold preview counts over, at most: a week of a busy
site, read in well under a second, and a bound on what one admin request can load."""


def recent_scores(session: Session, *, days: int, limit: int = PREVIEW_SAMPLE) -> list[Scores]:
    """The scores of the newest comments created in the last `days` days that were scored."""
    since = utcnow() - timedelta(days=days)
    rows = session.exec(
        select(Comment.scores)
        .where(col(Comment.created_at) >= since, col(Comment.scores).is_not(None))
        .order_by(col(Comment.id).desc())
        .limit(limit)
    )
    return [dict(scores) for scores in rows if scores]
