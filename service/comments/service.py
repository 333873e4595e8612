"""Posting, listing and deleting comments, and the one place where a comment's status changes."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import and_, func, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select, update
from sqlmodel.sql.expression import Select

from auth.models import User, UserStatus
from moderation.policy import CommentContext, Decision, PolicyConfig, decide
from moderation.scoring import Scores
from moderation.statuses import DELETABLE, CommentStatus
from moderation.text import TextRuleViolation, clean_comment
from service.comments.models import Article, Comment, ModerationAction
from service.db import utcnow
from service.errors import Conflict, Forbidden, NotFound, Unprocessable
from service.pagination import decode_cursor, encode_cursor
from service.scoring import ScoringService


class CommentNotFound(NotFound):
    code = "comment_not_found"

    def __init__(self, comment_id: int) -> None:
        super().__init__(f"Comment {comment_id} does not exist.")


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ParentUnavailable(Conflict):
    code = "parent_unavailable"


class ArticleClosed(Conflict):
    code = "article_closed"


class UserBanned(Forbidden):
    code = "user_banned"


class UserSuspended(Forbidden):
    code = "user_suspended"


@dataclass(frozen=True)
class CommentWithAuthor:
    comment: Comment
    author_name: str


def change_status(
    session: Session,
    comment: Comment,
    to_status: CommentStatus,
    *,
    reason: str,
    actor_id: int | None = None,
    note: str | None = None,
    **fields: Any,
) -> None:
    """Moves a comment from the status it was read with and writes the audit row, atomically.

    The update only matches while the status is still the one read, so of two moderators (or a
    moderator and the re-scoring sweep) deciding at once, exactly one wins; the other gets 409.
    """
    assert comment.id is not None
    from_status = comment.status
    result = session.execute(
        update(Comment)
        .where(col(Comment.id) == comment.id, col(Comment.status) == from_status)
        .values(status=to_status, status_reason=reason, **fields)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(comment)
        raise InvalidTransition(
            f"Comment {comment.id} changed while you were deciding; reload it and try again."
        )
    for name, value in {"status": to_status, "status_reason": reason, **fields}.items():
        setattr(comment, name, value)
    session.add(
        ModerationAction(
            comment_id=comment.id,
            from_status=from_status,
            to_status=to_status,
            actor_id=actor_id,
            reason=reason,
            note=note,
        )
    )
    session.flush()


def ensure_can_post(user: User) -> None:
    if user.status == UserStatus.BANNED:
        raise UserBanned("This account is banned from commenting.")
    if user.status == UserStatus.SUSPENDED and (
        user.suspended_until is None or user.suspended_until > utcnow()
    ):
        until = user.suspended_until.isoformat() if user.suspended_until else None
        raise UserSuspended("This account is suspended from commenting.", until=until)


def register_article(session: Session, article_id: str) -> Article:
    """Articles come from the CMS; the first comment registers one, race-free on both backends."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Article).values(id=article_id, created_at=utcnow()).on_conflict_do_nothing()
    )
    article = session.get(Article, article_id)
    assert article is not None
    return article


def _check_parent(session: Session, parent_id: int, article_id: str, author: User) -> None:
    parent = session.get(Comment, parent_id)
    if parent is None or parent.article_id != article_id:
        raise ParentUnavailable(f"Comment {parent_id} is not a comment on this article.")
    visible = parent.status == CommentStatus.PUBLISHED or (
        parent.author_id == author.id and parent.status == CommentStatus.HELD
    )
    if not visible:
        raise ParentUnavailable(f"Comment {parent_id} can no longer be replied to.")


def store_pending(
    session: Session, author: User, article_id: str, text: str, parent_id: int | None
) -> Comment:
    """Stores the comment before it is scored and commits, so nothing is lost after this point."""
    ensure_can_post(author)
    article = register_article(session, article_id)
    if article.closed_at is not None:
        raise ArticleClosed("Comments on this article are closed.")
    if parent_id is not None:
        _check_parent(session, parent_id, article_id, author)
    assert author.id is not None
    comment = Comment(article_id=article_id, author_id=author.id, parent_id=parent_id, body=text)
    session.add(comment)
    session.commit()
    return comment


def apply_decision(
    session: Session, comment: Comment, decision: Decision, scores: Scores | None, model_id: str
) -> None:
    """Records the policy's decision with the scores (and model) it was based on."""
    scored: dict[str, Any] = {}
    if scores is not None:
        scored = {"scores": scores, "toxicity": scores.get("toxicity"), "model_id": model_id}
    change_status(session, comment, decision.status, reason=decision.reason, **scored)


def record_decision(
    session: Session, comment: Comment, decision: Decision, scores: Scores | None, model_id: str
) -> None:
    apply_decision(session, comment, decision, scores, model_id)
    session.commit()


async def submit_comment(
    session: Session,
    scoring: ScoringService,
    policy: PolicyConfig,
    author: User,
    article_id: str,
    body: str,
    parent_id: int | None,
) -> Comment:
    try:
        text = clean_comment(body).text
    except TextRuleViolation as exc:
        raise Unprocessable(exc.detail, code=exc.code, **exc.extra) from exc
    comment = await anyio.to_thread.run_sync(
        store_pending, session, author, article_id, text, parent_id
    )
    scores = await scoring.score(text)
    decision = decide(CommentContext(text=text, scores=scores), policy)
    await anyio.to_thread.run_sync(
        record_decision, session, comment, decision, scores, scoring.model_id
    )
    return comment


def article_comments_query(
    article_id: str, viewer_id: int | None, limit: int, cursor: str | None
) -> Select[Comment, str]:
    """Published comments newest first, plus the viewer's own comments awaiting review."""
    visible = col(Comment.status) == CommentStatus.PUBLISHED
    if viewer_id is not None:
        own_waiting = and_(
            col(Comment.author_id) == viewer_id,
            col(Comment.status).in_([CommentStatus.PENDING, CommentStatus.HELD]),
        )
        visible = or_(visible, own_waiting)
    query = (
        select(Comment, User.display_name)
        .join(User, col(User.id) == Comment.author_id)
        .where(Comment.article_id == article_id, visible)
        .order_by(col(Comment.id).desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, [int])
        query = query.where(col(Comment.id) < last_id)
    return query


def list_article_comments(
    session: Session, article_id: str, viewer: User | None, limit: int, cursor: str | None
) -> tuple[list[CommentWithAuthor], str | None]:
    query = article_comments_query(article_id, viewer.id if viewer else None, limit, cursor)
    rows = [CommentWithAuthor(c, name) for c, name in session.exec(query).all()]
    return page(rows, limit, lambda row: [row.comment.id])


def page(rows: Sequence[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """Cuts the extra row fetched to learn whether another page exists."""
    items = list(rows[:limit])
    next_cursor = encode_cursor(key(items[-1])) if len(rows) > limit else None
    return items, next_cursor


def count_published(session: Session, article_id: str) -> int:
    query = select(func.count()).where(
        Comment.article_id == article_id, col(Comment.status) == CommentStatus.PUBLISHED
    )
    return session.exec(query).one()


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise CommentNotFound(comment_id)
    return comment


def delete_comment(session: Session, comment_id: int, user: User, is_moderator: bool) -> None:
    comment = get_comment(session, comment_id)
    if comment.status == CommentStatus.DELETED:
        raise CommentNotFound(comment_id)
    is_author = comment.author_id == user.id
    if not (is_author or is_moderator):
        raise Forbidden("Only the author or a moderator can delete this comment.")
    if comment.status not in DELETABLE:
        raise InvalidTransition(f"Comment {comment_id} cannot be deleted now.")
    reason = "deleted_by_author" if is_author else "deleted_by_moderator"
    change_status(session, comment, CommentStatus.DELETED, reason=reason, actor_id=user.id)


def with_author(session: Session, comment: Comment) -> CommentWithAuthor:
    author = session.get(User, comment.author_id)
    return CommentWithAuthor(comment, author.display_name if author else "")
