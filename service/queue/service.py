"""The moderators' queues and their decisions (single, bulk, by author). Every decision goes
through `change_status`, so it is a compare-and-set and audited."""

import logging
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from auth.models import User
from auth.users import get_user
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
from service.core.db import Database, DatabaseUnavailable, utcnow
from service.core.errors import AppError
from service.core.pagination import Keyset, Page, SortKey
from service.queue.schemas import QueueSort
from service.reports.service import settle_reports

logger = logging.getLogger(__name__)

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


BATCH_SIZE = 25
"""Decisions per transaction in a bulk or by-author operation: each comment's decision writes
about ten rows (the status, reports, audit, statement, notification, outbox), so a batch
commits in tens of milliseconds, far inside the statement time-out, and holds its row locks
no longer."""

REJECT_ALL_BUDGET = 10.0
"""Seconds one by-author request spends deciding before it answers with what is left."""


def review_many(
    database: Database, *, ids: list[int], review: Review, moderator: User
) -> list[ReviewResult]:
    """Each comment in its own savepoint, in batches of `BATCH_SIZE` per transaction: one
    that cannot be decided does not undo the others. If the database gives out after the
    first batch, what was decided stays decided and the rest is reported with the 503's code
    (the first batch's failure is the request's 503: nothing was decided)."""
    results: list[ReviewResult] = []
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        try:
            with database.session(writes=True) as session:
                _lock_in_id_order(session, batch)
                decided = [_review_alone(session, one, review, moderator) for one in batch]
        except DatabaseUnavailable as failure:
            if not results:
                raise
            undone = ids[start:]
            return results + [ReviewResult(one, ok=False, error=failure.code) for one in undone]
        results += decided
    return results


def _lock_in_id_order(session: Session, ids: list[int]) -> None:
    """Loads a batch's comments and locks their rows, and their parents' (whose reply counts
    a decision moves at commit), in one statement, in id order: two moderators deciding
    overlapping sets in different orders would otherwise each hold a row the other waits for
    (a deadlock, which PostgreSQL ends by failing one of them). Every writer of several
    comment rows takes them in id order."""
    parents = select(Comment.parent_id).where(
        col(Comment.id).in_(ids), col(Comment.parent_id).is_not(None)
    )
    session.exec(
        select(Comment)
        .where(col(Comment.id).in_(ids) | col(Comment.id).in_(parents))
        .order_by(col(Comment.id))
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).all()


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


@dataclass(frozen=True)
class Takedown:
    """What one by-author request did, and how many of the author's comments are still up
    (held or published; None when the database could not say)."""

    results: list[ReviewResult]
    remaining: int | None


def reject_all_by_author(
    database: Database,
    *,
    author_id: int,
    reason: str,
    note: str | None,
    moderator: User,
    budget: float = REJECT_ALL_BUDGET,
) -> Takedown:
    """Takes down everything held or published by one author, oldest first: an explicit
    decision on each comment as it is now, `BATCH_SIZE` per transaction, for `budget` seconds
    at most (a flood of thousands would otherwise outlast the proxy in front); the answer says
    how many are left, and the moderator asks again. A database that gives out after the first
    batch ends the request early the same way; before it, the request answers 503."""
    with database.session() as session:
        get_user(session, author_id)
    deadline = time.monotonic() + budget
    results: list[ReviewResult] = []
    after = 0
    while True:
        try:
            with database.session(writes=True) as session:
                batch = _oldest_up(session, author_id=author_id, after=after, limit=BATCH_SIZE)
                decided = [
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
                    for comment in batch
                ]
        except DatabaseUnavailable:
            if not results:
                raise
            logger.warning("rejecting author %d's comments stopped early", author_id)
            break
        results += decided
        if len(batch) < BATCH_SIZE or time.monotonic() >= deadline:
            break
        after = batch[-1].id or 0
    remaining: int | None = None
    with suppress(DatabaseUnavailable), database.session() as session:
        remaining = session.exec(select(func.count()).where(_up_by(author_id))).one()
    return Takedown(results, remaining)


def _up_by(author_id: int) -> ColumnElement[bool]:
    return and_(
        col(Comment.author_id) == author_id,
        col(Comment.status).in_([CommentStatus.HELD, CommentStatus.PUBLISHED]),
    )


def _oldest_up(session: Session, *, author_id: int, after: int, limit: int) -> list[Comment]:
    """The author's held and published comments after id `after`, oldest first, locked with
    their parents (`_lock_in_id_order`; a comment decided elsewhere meanwhile is refused by
    its decision, as it is read once locked)."""
    query = (
        select(Comment)
        .where(_up_by(author_id), col(Comment.id) > after)
        .order_by(col(Comment.id))
        .limit(limit)
    )
    batch = list(session.exec(query).all())
    _lock_in_id_order(session, [comment.id or 0 for comment in batch])
    return batch


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
