"""Leaving: an account erased on its owner's request (`DELETE /v1/me`, or an admin acting on a
request received by other means).

The account is erased in one unit of work: its name, picture, linked sign-in accounts (kept
as provider and id only while a ban or suspension bars them), sessions, notifications,
reactions, mutes, retry records and the spam checks' traces of it go; its id stays, the pseudonym by
which reports, statements, appeals and the audit log still refer to it. Its comments either
stay, shown under a deleted account, or are deleted (text, earlier versions, fingerprints and
labels with them) through the one status writer, so counts and cached pages follow. A comment
under a running legal notice (its temporary measure included) or an open appeal is what the
newsroom must still answer for: it is held back, said so in the answer, and deleted by the
housekeeping sweep once settled. The sweep also finishes an account with more comments than
one unit of work should carry."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, update
from sqlmodel import Session, col, select

from auth.models import ERASED_NAME, AuthSession, Identity, LoginAttempt, Role, User, UserStatus
from auth.users import UserErased, get_user, suspended_now
from moderation.redress import ERASED_REASON, AppealStatus, NoticeStatus
from moderation.statuses import CommentStatus
from service.abuse.models import CommentBand, CommentFingerprint, DailyCount
from service.appeals.models import Appeal
from service.articles.models import Article
from service.audit.service import record
from service.comments.labels import forget_label
from service.comments.models import Comment, CommentRevision
from service.comments.reactions import forget_reactions
from service.comments.service import change_status
from service.comments.tallies import CHANGED_ARTICLES
from service.core.db import utcnow
from service.idempotency.models import IdempotencyRecord
from service.imports.models import ImportedAuthor
from service.mutes.service import forget_mutes
from service.notices.models import Notice
from service.notifications.models import Notification
from service.privacy.models import Erasure
from service.quality.models import ShadowScore

ERASE_AT_ONCE = 100
"""Comments done per unit of work (each a status move, its audit row and counters): the
request does the first batch, the sweep the rest, a batch per short transaction."""

Hold = Literal["legal_notice", "appeal"]


@dataclass(frozen=True)
class HeldBack:
    comment_id: int
    why: Hold


@dataclass(frozen=True)
class Progress:
    """Where an erasure's comments stand after a batch."""

    deleted: int
    """Comments this batch deleted (or, already deleted, whose text it removed)."""
    kept: int
    """Comments readers still see, under a deleted account (the `anonymize` choice)."""
    held_back: Sequence[HeldBack]
    finished: bool
    barred_until: datetime | None
    """Left under a ban or suspension: the provider accounts stay refused at sign-in until
    then (`Erasure.barred_until`)."""


def _settled(comment: Any) -> ColumnElement[bool]:
    """No running legal notice (a temporary measure is part of one) and no open appeal."""
    notice = exists().where(
        col(Notice.comment_id) == comment.id, col(Notice.status) == NoticeStatus.RECEIVED
    )
    appeal = exists().where(
        col(Appeal.comment_id) == comment.id, col(Appeal.status) == AppealStatus.OPEN
    )
    return and_(~notice, ~appeal)


def _to_do(erasure: Erasure) -> ColumnElement[bool]:
    """The account's comments still to delete (or, deleted before, still holding text)."""
    text_left = col(Comment.body) != ""
    if erasure.delete_comments:
        left = or_(col(Comment.status) != CommentStatus.DELETED, text_left)
    else:
        left = and_(col(Comment.status) == CommentStatus.DELETED, text_left)
    return and_(col(Comment.author_id) == erasure.user_id, left)


def erase_account(
    session: Session,
    *,
    user_id: int,
    delete_comments: bool,
    actor_id: int,
    reason: str,
    ban_barred_for: timedelta,
) -> Progress:
    """Erases the account and does the first batch of its comments. `actor_id` is who acted
    (the reader, or the admin who received the request); `reason` goes to the audit log. A
    banned reader's provider accounts stay barred for `ban_barred_for`, a suspended one's until
    the suspension ends: leaving is a right, a way round a ban is not."""
    user = session.exec(select(User).where(col(User.id) == user_id).with_for_update()).first()
    if user is None:
        user = get_user(session, user_id)  # raises UserNotFound
    if user.status == UserStatus.ERASED:
        raise UserErased(f"User {user_id} was erased already.")
    barred_until = _barred_until(user, ban_barred_for)
    _scrub_account(session, user, keep_sign_in=barred_until is not None)
    erasure = Erasure(user_id=user_id, delete_comments=delete_comments, barred_until=barred_until)
    session.add(erasure)
    detail: dict[str, str] = {"comments": "delete" if delete_comments else "anonymize"}
    if barred_until is not None:
        detail["sign_in_barred_until"] = barred_until.isoformat()
    record(
        session,
        action="user_erased",
        reason=reason,
        actor_id=actor_id,
        subject_user_id=user_id,
        detail=detail,
    )
    _show_anonymous(session, user_id)
    session.flush()
    return continue_erasure(session, erasure)


def _barred_until(user: User, ban_barred_for: timedelta) -> datetime | None:
    if user.status == UserStatus.BANNED:
        return utcnow() + ban_barred_for
    if suspended_now(user):
        return user.suspended_until
    return None


def _scrub_account(session: Session, user: User, *, keep_sign_in: bool) -> None:
    """Everything about the account goes but its id; with `keep_sign_in`, its linked provider
    accounts stay as the provider and its user id (no name, e-mail or picture), to be refused."""
    user_id = user.id
    assert user_id is not None
    user.display_name = ERASED_NAME
    user.avatar_url = None
    user.badge = None
    user.role = Role.READER
    user.status = UserStatus.ERASED
    user.suspended_until = None
    user.premoderated = False
    session.add(user)
    owned: list[tuple[Any, Any]] = [
        (AuthSession, AuthSession.user_id),
        (LoginAttempt, LoginAttempt.link_user_id),
        (Notification, Notification.user_id),
        (IdempotencyRecord, IdempotencyRecord.user_id),
        (DailyCount, DailyCount.user_id),
        (CommentFingerprint, CommentFingerprint.author_id),
        (ImportedAuthor, ImportedAuthor.user_id),  # an imported author's e-mail, if kept
    ]
    for table, column in owned:
        session.execute(delete(table).where(col(column) == user_id))
    forget_reactions(session, user_id)
    forget_mutes(session, user_id)
    identities = col(Identity.user_id) == user_id
    if keep_sign_in:
        session.execute(
            update(Identity).where(identities).values(username=None, email=None, avatar_url=None)
        )
    else:
        session.execute(delete(Identity).where(identities))


def _show_anonymous(session: Session, user_id: int) -> None:
    """Cached first pages show the author's name: the articles they commented on are
    versioned anew, so every worker rebuilds them."""
    articles = select(Comment.article_id).where(
        col(Comment.author_id) == user_id, col(Comment.status) == CommentStatus.PUBLISHED
    )
    ids = set(session.exec(articles.distinct()).all())
    if not ids:
        return
    session.execute(
        update(Article).where(col(Article.id).in_(ids)).values(version=Article.version + 1)
    )
    session.info.setdefault(CHANGED_ARTICLES, set()).update(ids)


def continue_erasure(session: Session, erasure: Erasure, *, limit: int = ERASE_AT_ONCE) -> Progress:
    """One batch of the account's comments; the erasure is finished when nothing is left to do
    and nothing is held back."""
    to_do = _to_do(erasure)
    # what decisions made since (a notice's, an appeal's) told the account: nobody reads it now
    session.execute(delete(Notification).where(col(Notification.user_id) == erasure.user_id))
    # Locked as a notice, an objection or a decision locks a comment (they take turns; replies
    # and reports may still refer to it); one another transaction holds is left for later.
    locked = session.exec(
        select(Comment)
        .where(to_do, _settled(Comment))
        .order_by(col(Comment.id))
        .limit(limit)
        .with_for_update(key_share=True, skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    # Settled was judged on that statement's snapshot; a notice committed before the lock was
    # taken is seen by a new statement (PostgreSQL reads committed rows per statement).
    ids = [comment.id for comment in locked]
    still = set(session.exec(select(Comment.id).where(col(Comment.id).in_(ids), _settled(Comment))))
    batch = [comment for comment in locked if comment.id in still]
    for comment in batch:
        _delete_comment(session, comment, author_id=erasure.user_id)
    held_back = _held_back(session, to_do)
    left = session.exec(select(exists().where(to_do, _settled(Comment)))).one()
    finished = not held_back and not left
    if finished:
        erasure.finished_at = utcnow()
        session.add(erasure)
    return Progress(
        deleted=len(batch),
        kept=_kept(session, erasure),
        held_back=held_back,
        finished=finished,
        barred_until=erasure.barred_until,
    )


def _delete_comment(session: Session, comment: Comment, *, author_id: int) -> None:
    """The author's own move (no statement of reasons, no moderator's label), text and all."""
    assert comment.id is not None
    if comment.status == CommentStatus.DELETED:
        session.execute(update(Comment).where(col(Comment.id) == comment.id).values(body=""))
        forget_label(session, comment.id)
    else:
        change_status(
            session,
            comment,
            CommentStatus.DELETED,
            reason=ERASED_REASON,
            actor_id=author_id,
            body="",
        )
    for table, column in (
        (CommentRevision, CommentRevision.comment_id),
        (CommentFingerprint, CommentFingerprint.comment_id),
        (CommentBand, CommentBand.comment_id),
        (ShadowScore, ShadowScore.comment_id),
    ):
        session.execute(delete(table).where(col(column) == comment.id))


def _held_back(session: Session, to_do: ColumnElement[bool]) -> list[HeldBack]:
    notice = exists().where(
        col(Notice.comment_id) == Comment.id, col(Notice.status) == NoticeStatus.RECEIVED
    )
    rows = session.exec(
        select(Comment, notice).where(to_do, ~_settled(Comment)).order_by(col(Comment.id))
    ).all()
    held = []
    for comment, noticed in rows:
        assert comment.id is not None
        held.append(HeldBack(comment.id, "legal_notice" if noticed else "appeal"))
    return held


def _kept(session: Session, erasure: Erasure) -> int:
    if erasure.delete_comments:
        return 0
    return session.exec(
        select(func.count())
        .select_from(Comment)
        .where(
            col(Comment.author_id) == erasure.user_id,
            col(Comment.status) != CommentStatus.DELETED,
        )
    ).one()


def unfinished_erasures(session: Session, *, limit: int = 100) -> list[int]:
    """Accounts with comments to do now: more than one batch, or held back and since settled.
    One whose comments all still wait for a notice or an appeal costs the sweep nothing."""
    text_left = col(Comment.body) != ""
    left = or_(
        and_(col(Erasure.delete_comments), col(Comment.status) != CommentStatus.DELETED),
        and_(col(Comment.status) == CommentStatus.DELETED, text_left),
        and_(col(Erasure.delete_comments), text_left),
    )
    work = exists().where(col(Comment.author_id) == Erasure.user_id, left, _settled(Comment))
    return list(
        session.exec(
            select(Erasure.user_id)
            .where(col(Erasure.finished_at).is_(None), work)
            .order_by(col(Erasure.requested_at))
            .limit(limit)
        ).all()
    )


def continue_erasure_of(session: Session, user_id: int) -> Progress | None:
    """The sweep's batch for one account (None: another worker finished it meanwhile)."""
    erasure = session.get(Erasure, user_id)
    if erasure is None or erasure.finished_at is not None:
        return None
    return continue_erasure(session, erasure)
