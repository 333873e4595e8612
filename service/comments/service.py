"""Posting, editing, listing, reporting and deleting comments, and the one place where a
comment's status changes."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio.to_thread
from sqlalchemy import and_, func, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select, update
from sqlmodel.sql.expression import Select

from auth.models import User, UserStatus
from moderation.policy import TOXIC, CommentContext, Decision, decide
from moderation.scoring import Scores
from moderation.statuses import DELETABLE, CommentStatus
from moderation.text import TextRuleViolation, clean_comment
from service.comments.models import Article, Comment, CommentRevision, ModerationAction, Report
from service.db import utcnow
from service.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable
from service.pagination import decode_cursor, encode_cursor
from service.policy_store import PolicySnapshot, PolicyStore
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


class CommentingDisabled(AppError):
    status_code = 503
    code = "commenting_disabled"


class EditWindowClosed(Conflict):
    code = "edit_window_closed"


class ToxicComment(Unprocessable):
    """The nudge: the writer sees why before anything is stored, and may edit or insist."""

    code = "toxic_comment"

    def __init__(self, scores: Scores) -> None:
        super().__init__(
            "The language in this comment might violate our community guidelines. Please edit "
            "it, or post it as it is with acknowledge_toxicity to send it to a moderator.",
            scores=scores,
        )


@dataclass(frozen=True)
class CommentWithAuthor:
    comment: Comment
    author_name: str
    reply_count: int = 0


def change_status(
    session: Session,
    comment: Comment,
    to_status: CommentStatus,
    *,
    reason: str,
    actor_id: int | None = None,
    note: str | None = None,
    action: str = "status_change",
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
    audit_comment(session, comment, action, reason, actor_id, note, from_status, to_status)


def audit_comment(
    session: Session,
    comment: Comment,
    action: str,
    reason: str,
    actor_id: int | None,
    note: str | None = None,
    from_status: CommentStatus | None = None,
    to_status: CommentStatus | None = None,
) -> None:
    session.add(
        ModerationAction(
            action=action,
            comment_id=comment.id,
            subject_user_id=comment.author_id,
            article_id=comment.article_id,
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


def _published_count(session: Session, author_id: int, excluding: int | None = None) -> int:
    query = select(func.count()).where(
        Comment.author_id == author_id, col(Comment.status) == CommentStatus.PUBLISHED
    )
    if excluding is not None:
        query = query.where(col(Comment.id) != excluding)
    return session.exec(query).one()


@dataclass(frozen=True)
class _Prepared:
    snapshot: PolicySnapshot
    published_count: int
    article_premoderated: bool


def _prepare(
    session: Session,
    store: PolicyStore,
    author: User,
    article_id: str,
    parent_id: int | None,
    excluding: int | None = None,
) -> _Prepared:
    """The refusals that come before any scoring: site switch, article, author, parent. Reads
    only, and ends the transaction, so no lock is held while the model thinks (on SQLite a
    write lock would stall every other writer)."""
    snapshot = store.current(session)
    if not snapshot.settings.commenting_enabled:
        raise CommentingDisabled("Commenting is switched off on this site for now.")
    ensure_can_post(author)
    article = session.get(Article, article_id)
    if article is not None and article.closed_at is not None:
        raise ArticleClosed("Comments on this article are closed.")
    if parent_id is not None:
        _check_parent(session, parent_id, article_id, author)
    assert author.id is not None
    prepared = _Prepared(
        snapshot,
        _published_count(session, author.id, excluding),
        article is not None and article.premoderated,
    )
    session.commit()
    return prepared


def _scored_fields(scores: Scores | None, model_id: str) -> dict[str, Any]:
    if scores is None:
        return {"scores": None, "toxicity": None, "model_id": None}
    return {"scores": scores, "toxicity": scores.get("toxicity"), "model_id": model_id}


async def _decide(
    scoring: ScoringService,
    prepared: _Prepared,
    author: User,
    text: str,
    acknowledge_toxicity: bool,
) -> tuple[Decision, Scores | None]:
    scores = await scoring.score(text)
    context = CommentContext(
        text=text,
        scores=scores,
        author_published_count=prepared.published_count,
        author_premoderated=author.premoderated,
        article_premoderated=prepared.article_premoderated,
    )
    decision = decide(context, prepared.snapshot.policy)
    if decision.reason == TOXIC.reason and scores is not None:
        if prepared.snapshot.settings.nudge and not acknowledge_toxicity:
            raise ToxicComment(scores)
        if acknowledge_toxicity:
            decision = Decision(decision.status, decision.reason, "posted after a warning")
    return decision, scores


def _clean(body: str) -> str:
    try:
        return clean_comment(body).text
    except TextRuleViolation as exc:
        raise Unprocessable(exc.detail, code=exc.code, **exc.extra) from exc


async def submit_comment(
    session: Session,
    scoring: ScoringService,
    store: PolicyStore,
    author: User,
    article_id: str,
    body: str,
    parent_id: int | None,
    acknowledge_toxicity: bool = False,
    rate_check: Callable[[], None] = lambda: None,
) -> Comment:
    """Checks, scores, decides, then stores the comment and its decision in one transaction: the
    nudge needs the score before anything is kept, and after a 2xx nothing is lost.
    `rate_check` runs once the comment is known to be acceptable, before the model is asked."""
    text = _clean(body)
    prepared = await anyio.to_thread.run_sync(
        _prepare, session, store, author, article_id, parent_id
    )
    rate_check()
    decision, scores = await _decide(scoring, prepared, author, text, acknowledge_toxicity)

    def store_decided() -> Comment:
        assert author.id is not None
        if register_article(session, article_id).closed_at is not None:
            raise ArticleClosed("Comments on this article were closed a moment ago.")
        comment = Comment(
            article_id=article_id,
            author_id=author.id,
            parent_id=parent_id,
            body=text,
            status=decision.status,
            status_reason=decision.reason,
            **_scored_fields(scores, scoring.model_id),
        )
        session.add(comment)
        session.flush()
        audit_comment(
            session, comment, "created", decision.reason, None, decision.note, None, decision.status
        )
        session.commit()
        return comment

    return await anyio.to_thread.run_sync(store_decided)


def redecide_unscored(
    session: Session, store: PolicyStore, comment: Comment, scores: Scores, model_id: str
) -> None:
    """Decides a comment held while the model was unavailable, now that it has scores. The
    writer is gone, so there is no nudge: a toxic comment simply stays held."""
    author = session.get(User, comment.author_id)
    article = session.get(Article, comment.article_id)
    assert author is not None
    assert author.id is not None
    context = CommentContext(
        text=comment.body,
        scores=scores,
        author_published_count=_published_count(session, author.id, comment.id),
        author_premoderated=author.premoderated,
        article_premoderated=article.premoderated if article else False,
    )
    decision = decide(context, store.current(session).policy)
    change_status(
        session,
        comment,
        decision.status,
        reason=decision.reason,
        note=decision.note,
        action="rescored",
        **_scored_fields(scores, model_id),
    )


EDITABLE = frozenset({CommentStatus.PUBLISHED, CommentStatus.HELD})


async def edit_comment(
    session: Session,
    scoring: ScoringService,
    store: PolicyStore,
    author: User,
    comment_id: int,
    body: str,
    edit_window: timedelta,
    acknowledge_toxicity: bool = False,
) -> Comment:
    """An edit goes through the same rules, scoring and policy; the old body is kept."""
    comment = await anyio.to_thread.run_sync(get_comment, session, comment_id)
    if comment.author_id != author.id:
        raise Forbidden("Only the author can edit this comment.")
    if comment.status not in EDITABLE:
        raise InvalidTransition(f"A {comment.status} comment cannot be edited.")
    if utcnow() - comment.created_at > edit_window:
        minutes = int(edit_window.total_seconds() // 60)
        raise EditWindowClosed(f"Comments can be edited for {minutes} minutes after posting.")
    text = _clean(body)
    if text == comment.body:
        return comment
    prepared = await anyio.to_thread.run_sync(
        _prepare, session, store, author, comment.article_id, None, comment.id
    )
    decision, scores = await _decide(scoring, prepared, author, text, acknowledge_toxicity)

    def store_edit() -> Comment:
        assert comment.id is not None
        session.add(
            CommentRevision(
                comment_id=comment.id,
                body=comment.body,
                status=comment.status,
                created_at=comment.edited_at or comment.created_at,
            )
        )
        change_status(
            session,
            comment,
            decision.status,
            reason=decision.reason,
            actor_id=author.id,
            note=decision.note,
            action="edited",
            body=text,
            edited_at=utcnow(),
            **_scored_fields(scores, scoring.model_id),
        )
        session.commit()
        return comment

    return await anyio.to_thread.run_sync(store_edit)


def _reply_count() -> Any:
    reply = aliased(Comment)
    return (
        select(func.count())
        .where(reply.parent_id == Comment.id, reply.status == CommentStatus.PUBLISHED)
        .correlate(Comment)
        .scalar_subquery()
    )


OWN_VISIBLE = (CommentStatus.PENDING, CommentStatus.HELD, CommentStatus.REJECTED)
"""Besides published comments, an author sees their own comments in these states, with why."""


def article_comments_query(
    article_id: str, viewer_id: int | None, limit: int, cursor: str | None
) -> Select[Comment, str, int]:
    """Published comments newest first, plus the viewer's own held or rejected ones."""
    visible = col(Comment.status) == CommentStatus.PUBLISHED
    if viewer_id is not None:
        own = and_(col(Comment.author_id) == viewer_id, col(Comment.status).in_(OWN_VISIBLE))
        visible = or_(visible, own)
    query = (
        select(Comment, User.display_name, _reply_count())
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
    rows = [CommentWithAuthor(c, name, replies) for c, name, replies in session.exec(query).all()]
    return page(rows, limit, lambda row: [row.comment.id])


def list_own_comments(
    session: Session, author: User, limit: int, cursor: str | None
) -> tuple[list[CommentWithAuthor], str | None]:
    """The author's comments on every article, newest first, deleted ones left out."""
    query = (
        select(Comment, _reply_count())
        .where(Comment.author_id == author.id, col(Comment.status) != CommentStatus.DELETED)
        .order_by(col(Comment.id).desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        (last_id,) = decode_cursor(cursor, [int])
        query = query.where(col(Comment.id) < last_id)
    rows = [
        CommentWithAuthor(c, author.display_name, replies)
        for c, replies in session.exec(query).all()
    ]
    return page(rows, limit, lambda row: [row.comment.id])


class AlreadyReported(Conflict):
    code = "already_reported"


def report_comment(
    session: Session, reporter: User, comment_id: int, reason: str, note: str | None
) -> Report:
    """A reader flags a published comment; it stays visible and counts towards the reported
    queue until a moderator decides it."""
    ensure_can_post(reporter)
    comment = get_comment(session, comment_id)
    if comment.status != CommentStatus.PUBLISHED:
        raise CommentNotFound(comment_id)
    if comment.author_id == reporter.id:
        raise Forbidden("You cannot report your own comment.", code="cannot_report_own")
    assert reporter.id is not None
    report = Report(comment_id=comment_id, reporter_id=reporter.id, reason=reason, note=note)
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError as exc:
        raise AlreadyReported("You have already reported this comment.") from exc
    session.execute(
        update(Comment)
        .where(col(Comment.id) == comment_id)
        .values(open_reports=Comment.open_reports + 1)
        .execution_options(synchronize_session=False)
    )
    audit_comment(session, comment, "reported", reason, reporter.id, note)
    return report


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
