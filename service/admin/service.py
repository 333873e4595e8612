"""Moderator queries and decisions; every decision goes through `change_status` and is audited."""

from enum import StrEnum

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from auth.models import User
from moderation.statuses import MODERATOR_TRANSITIONS, CommentStatus, ModeratorAction
from service.comments.models import Comment, ModerationAction, toxicity_sort_key
from service.comments.service import (
    CommentWithAuthor,
    InvalidTransition,
    change_status,
    get_comment,
    page,
)
from service.pagination import decode_cursor


class QueueSort(StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    TOXICITY = "toxicity"


def queue_query(
    status: CommentStatus, sort: QueueSort, limit: int, cursor: str | None
) -> Select[Comment, str]:
    query = (
        select(Comment, User.display_name)
        .join(User, col(User.id) == Comment.author_id)
        .where(col(Comment.status) == status)
        .limit(limit + 1)
    )
    comment_id = col(Comment.id)
    if sort == QueueSort.TOXICITY:
        worst = toxicity_sort_key()
        query = query.order_by(worst.desc(), comment_id)
        if cursor is not None:
            last_toxicity, last_id = decode_cursor(cursor, [float, int])
            query = query.where(
                or_(worst < last_toxicity, and_(worst == last_toxicity, comment_id > last_id))
            )
        return query
    newest = sort == QueueSort.NEWEST
    query = query.order_by(comment_id.desc() if newest else comment_id)
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, [int])
        query = query.where(comment_id < last_id if newest else comment_id > last_id)
    return query


def queue(
    session: Session, status: CommentStatus, sort: QueueSort, limit: int, cursor: str | None
) -> tuple[list[CommentWithAuthor], str | None]:
    rows = [
        CommentWithAuthor(comment, name)
        for comment, name in session.exec(queue_query(status, sort, limit, cursor)).all()
    ]
    if sort == QueueSort.TOXICITY:
        return page(rows, limit, lambda row: [_sort_toxicity(row.comment), row.comment.id])
    return page(rows, limit, lambda row: [row.comment.id])


def _sort_toxicity(comment: Comment) -> float:
    return comment.toxicity if comment.toxicity is not None else -1.0


def comment_history(session: Session, comment_id: int) -> list[ModerationAction]:
    return list(
        session.exec(
            select(ModerationAction)
            .where(ModerationAction.comment_id == comment_id)
            .order_by(col(ModerationAction.id))
        ).all()
    )


def decide(
    session: Session,
    comment_id: int,
    action: ModeratorAction,
    moderator: User,
    reason: str,
    note: str | None,
) -> Comment:
    comment = get_comment(session, comment_id)
    allowed_from, to_status = MODERATOR_TRANSITIONS[action]
    if comment.status not in allowed_from:
        raise InvalidTransition(f"A {comment.status} comment cannot be {action}d.")
    change_status(session, comment, to_status, reason=reason, actor_id=moderator.id, note=note)
    return comment


def audit_log(
    session: Session, limit: int, cursor: str | None
) -> tuple[list[ModerationAction], str | None]:
    query = select(ModerationAction).order_by(col(ModerationAction.id).desc()).limit(limit + 1)
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, [int])
        query = query.where(col(ModerationAction.id) < last_id)
    return page(session.exec(query).all(), limit, lambda action: [action.id])
