"""Filing a legal notice, Korea's temporary measure (block, objection, end of the period) and
the moderators' decision. Every step is audited, sent to the newsroom's webhooks and told to
the comment's author and to a notifier who was signed in."""

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select, update

from auth.models import MODERATING_ROLES, User
from auth.users import in_good_standing
from moderation.redress import (
    LEGAL_NOTICE_REASON,
    MEASURE_EXPIRED_REASON,
    NOTICEABLE,
    RESTORED_REASON,
    TEMPORARY_MEASURE_REASON,
    WITHDRAWN_REASON,
    MeasureEnd,
    MeasureNotifiers,
    MeasureStart,
    NoticeAction,
    NoticeFacts,
    NoticeKind,
    NoticeStatus,
    measure_end,
    measure_on_notice,
    notice_outcome,
)
from moderation.statuses import CommentStatus
from service.audit.service import record
from service.comments.errors import CommentNotFound
from service.comments.locks import locked_comment
from service.comments.models import Comment
from service.comments.service import change_status, get_visible_comment
from service.core.db import insert_row, utcnow
from service.core.errors import AppError, Conflict, Forbidden, NotFound
from service.core.pagination import Keyset, Page, SortKey
from service.notices.models import Notice
from service.notifications.models import NotificationKind
from service.notifications.service import notify
from service.webhooks.service import WebhookEventType, enqueue

logger = logging.getLogger(__name__)


class NoticeNotFound(NotFound):
    code = "notice_not_found"

    def __init__(self) -> None:
        super().__init__("No notice has this reference.")


class NoticeDecided(Conflict):
    """The notice was decided already (by someone else, or by the end of its measure)."""

    code = "notice_decided"


class NoMeasure(Conflict):
    """The comment is not under a temporary measure one can object to."""

    code = "no_temporary_measure"


class AlreadyObjected(Conflict):
    code = "already_objected"


@dataclass(frozen=True, kw_only=True)
class NoticeDraft:
    kind: NoticeKind
    explanation: str
    legal_ground: str | None
    notifier_name: str
    notifier_email: str


@dataclass(frozen=True, kw_only=True)
class NoticeDecision:
    action: NoticeAction
    ground: str
    explanation: str


def new_reference() -> str:
    """`N-` and 20 random characters: quoted by the notifier, unguessable by anyone else."""
    return "N-" + secrets.token_urlsafe(15)


def file_notice(
    session: Session,
    *,
    comment_id: int,
    draft: NoticeDraft,
    notifier: User | None,
    measure_days: int,
    measure_notifiers: MeasureNotifiers,
) -> Notice:
    """Receives a notice about a comment readers see. A rights-infringement notice hides a
    published comment at once for `measure_days` (or joins the measure already running), unless
    `moderation.redress.measure_on_notice` holds it back for a moderator: a repeat after a
    decision, a staff member's comment, a notifier not signed in when `measure_notifiers` asks
    for one."""
    comment = locked_comment(session, comment_id)
    if comment.status not in NOTICEABLE:
        raise CommentNotFound(comment_id)
    facts = NoticeFacts(
        kind=draft.kind,
        status=comment.status,
        decided_before=_decided_before(session, comment_id),
        notifier_signed_in=notifier is not None and in_good_standing(notifier),
        author_is_staff=_is_staff(session, comment.author_id),
    )
    measure = measure_on_notice(facts, measure_notifiers)
    now = utcnow()
    notice = Notice(
        reference=new_reference(),
        comment_id=comment_id,
        article_id=comment.article_id,
        kind=draft.kind,
        explanation=draft.explanation,
        legal_ground=draft.legal_ground,
        notifier_name=draft.notifier_name,
        notifier_email=draft.notifier_email,
        notifier_id=notifier.id if notifier is not None else None,
        repeat=facts.decided_before,
        created_at=now,
    )
    if measure == MeasureStart.AT_ONCE:
        notice.measure_started_at, notice.measure_ends_at = now, now + timedelta(days=measure_days)
        change_status(
            session,
            comment,
            CommentStatus.BLOCKED,
            reason=TEMPORARY_MEASURE_REASON,
            note=f"notice {notice.reference}",
            legal_ground=draft.legal_ground,
        )
    elif draft.kind == NoticeKind.RIGHTS_INFRINGEMENT and comment.status == CommentStatus.BLOCKED:
        running = _open_measure(session, comment_id)
        if running:
            notice.measure_started_at = running[0].measure_started_at
            notice.measure_ends_at = running[0].measure_ends_at
            notice.objection, notice.objected_at = running[0].objection, running[0].objected_at
            notice.overdue_at = running[0].overdue_at
    insert_row(session, notice)
    record(
        session,
        action="notice_received",
        reason=draft.kind,
        actor_id=notice.notifier_id,
        comment=comment,
        detail={
            "reference": notice.reference,
            "blocked": notice.measure_started_at == now,
            "measure": measure,
            "repeat": notice.repeat,
        },
    )
    _announce(session, "notice.created", notice)
    return notice


def _decided_before(session: Session, comment_id: int) -> bool:
    """Whether any notice on the comment was decided (read under the comment's lock, so a
    decision committing meanwhile is seen)."""
    decided = session.exec(
        select(Notice.id)
        .where(Notice.comment_id == comment_id, col(Notice.status) == NoticeStatus.DECIDED)
        .limit(1)
    ).first()
    return decided is not None


def _is_staff(session: Session, user_id: int) -> bool:
    role = session.exec(select(User.role).where(col(User.id) == user_id)).first()
    return role in MODERATING_ROLES


def notice_by_reference(session: Session, reference: str) -> Notice:
    notice = session.exec(select(Notice).where(Notice.reference == reference)).first()
    if notice is None:
        raise NoticeNotFound()
    return notice


def object_to_measure(
    session: Session, *, comment_id: int, author: User, explanation: str
) -> list[Notice]:
    """The author says the comment infringes nobody's rights: it stays hidden, and at the end
    of the period it goes to the moderators as overdue instead of being removed."""
    get_visible_comment(session, comment_id, viewer=author)
    comment = locked_comment(session, comment_id)
    if comment.author_id != author.id:
        raise Forbidden("Only the comment's author can object to the measure.")
    notices = _open_measure(session, comment_id)
    if comment.status != CommentStatus.BLOCKED or not notices:
        raise NoMeasure(f"Comment {comment_id} is not under a temporary measure.")
    now = utcnow()
    if any(n.overdue_at is not None or (n.measure_ends_at or now) <= now for n in notices):
        raise NoMeasure("The temporary measure's period is over; a moderator decides now.")
    objected = session.execute(
        update(Notice)
        .where(col(Notice.id).in_([n.id for n in notices]), col(Notice.objected_at).is_(None))
        .values(objection=explanation, objected_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if objected.rowcount != len(notices):  # type: ignore[attr-defined]
        raise AlreadyObjected("You have already objected to this measure.")
    record(
        session,
        action="measure_objection",
        reason="objection",
        actor_id=author.id,
        comment=comment,
        note=explanation[:1000],
        detail={"references": [n.reference for n in notices]},
    )
    for notice in notices:
        _tell_notifier(
            session,
            notice,
            "The author objected to the temporary measure; a moderator will decide.",
        )
        _announce(session, "notice.objected", notice)
    return notices


def decide_notice(
    session: Session, *, reference: str, decision: NoticeDecision, moderator: User
) -> Notice:
    """The moderator's decision on the comment answers every open notice about it."""
    notice = notice_by_reference(session, reference)
    comment = locked_comment(session, notice.comment_id)
    session.refresh(notice)
    if notice.status == NoticeStatus.DECIDED:
        raise NoticeDecided(f"Notice {reference} was decided already.")
    notifiers = session.exec(
        select(Notice.notifier_id).where(
            Notice.comment_id == comment.id, col(Notice.status) == NoticeStatus.RECEIVED
        )
    ).all()
    if moderator.id == comment.author_id or moderator.id in notifiers:
        raise Forbidden("Another moderator decides a notice about your comment or sent by you.")
    was = comment.status
    to_status = notice_outcome(decision.action, was)
    if to_status is not None:
        change_status(
            session,
            comment,
            to_status,
            reason=LEGAL_NOTICE_REASON if to_status == CommentStatus.REJECTED else RESTORED_REASON,
            actor_id=moderator.id,
            note=decision.explanation[:1000],
            legal_ground=decision.ground,
        )
    if was == CommentStatus.BLOCKED and to_status == CommentStatus.PUBLISHED:
        notify(
            session,
            user_id=comment.author_id,
            kind=NotificationKind.NOTICE_UPDATE,
            message="The temporary measure on your comment ended: a moderator restored it.",
            comment_id=comment.id,
        )
    closed = _close(session, comment, decision, decided_by=moderator.id)
    if notice.id not in {n.id for n in closed}:
        raise NoticeDecided(f"Notice {reference} was decided already.")
    session.refresh(notice)
    return notice


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        col(Notice.status) == NoticeStatus.RECEIVED,
        col(Notice.measure_ends_at) <= now,
        col(Notice.overdue_at).is_(None),
    )


def measures_due(session: Session, *, now: datetime | None = None) -> bool:
    """A read, so an idle sweep takes no write lock."""
    due = session.exec(select(Notice.id).where(*_due(now or utcnow())).limit(1)).first()
    return due is not None


def end_measures(session: Session, *, now: datetime | None = None, limit: int = 100) -> int:
    """Ends the temporary measures whose period is over, each comment in its own savepoint:
    without an objection the comment is removed; with one, its notices are flagged overdue
    for the moderators. Returns how many comments it settled."""
    now = now or utcnow()
    due = session.exec(
        select(Notice)
        .where(*_due(now))
        .order_by(col(Notice.measure_ends_at), col(Notice.comment_id))
        .limit(limit)
    ).all()
    by_comment = dict.fromkeys(notice.comment_id for notice in due)
    settled = 0
    for comment_id in by_comment:
        try:
            with session.begin_nested():
                settled += _end_measure(session, comment_id, now)
        except AppError as error:  # a decision got there first; the next sweep looks again
            logger.info("temporary measure on comment %s left: %s", comment_id, error.code)
    return settled


def _end_measure(session: Session, comment_id: int, now: datetime) -> int:
    comment = locked_comment(session, comment_id)
    notices = [n for n in _open_measure(session, comment_id) if n.overdue_at is None]
    if not notices or any((n.measure_ends_at or now) > now for n in notices):
        return 0  # decided, flagged or joined meanwhile
    if comment.status != CommentStatus.BLOCKED:
        # Its author deleted it meanwhile (moderators decide the notice instead).
        decision = NoticeDecision(
            action=NoticeAction.NO_ACTION,
            ground=WITHDRAWN_REASON,
            explanation="The author deleted the comment while it was hidden.",
        )
        return int(bool(_close(session, comment, decision, decided_by=None)))
    if measure_end(any(n.objected_at for n in notices)) == MeasureEnd.OVERDUE:
        session.execute(
            update(Notice)
            .where(
                col(Notice.id).in_([n.id for n in notices]),
                col(Notice.status) == NoticeStatus.RECEIVED,
                col(Notice.overdue_at).is_(None),
            )
            .values(overdue_at=now)
        )
        record(
            session, action="measure_overdue", reason="objection", actor_id=None, comment=comment
        )
        message = "The temporary measure's period ended; after the objection a moderator decides."
        notify(
            session,
            user_id=comment.author_id,
            kind=NotificationKind.NOTICE_UPDATE,
            message=message,
            comment_id=comment.id,
        )
        for notice in notices:
            _tell_notifier(session, notice, message)
        return 1
    change_status(
        session,
        comment,
        CommentStatus.REJECTED,
        reason=MEASURE_EXPIRED_REASON,
        legal_ground=notices[0].legal_ground,
    )
    decision = NoticeDecision(
        action=NoticeAction.REMOVE,
        ground=MEASURE_EXPIRED_REASON,
        explanation="The temporary measure ended without an objection from the author.",
    )
    _close(session, comment, decision, decided_by=None)
    return 1


def _open_measure(session: Session, comment_id: int) -> list[Notice]:
    return list(
        session.exec(
            select(Notice)
            .where(
                Notice.comment_id == comment_id,
                col(Notice.status) == NoticeStatus.RECEIVED,
                col(Notice.measure_started_at).is_not(None),
            )
            .order_by(col(Notice.id))
            .execution_options(populate_existing=True)
        ).all()
    )


def _close(
    session: Session, comment: Comment, decision: NoticeDecision, *, decided_by: int | None
) -> Sequence[Notice]:
    """Decides every open notice on the comment, if still open (of two deciders, one)."""
    now = utcnow()
    closed = session.scalars(
        update(Notice)
        .where(col(Notice.comment_id) == comment.id, col(Notice.status) == NoticeStatus.RECEIVED)
        .values(
            status=NoticeStatus.DECIDED,
            action=decision.action,
            ground=decision.ground[:300],
            decision_explanation=decision.explanation,
            decided_at=now,
            decided_by=decided_by,
        )
        .returning(Notice)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).all()
    for notice in closed:
        record(
            session,
            action="notice_decided",
            reason=decision.action,
            actor_id=decided_by,
            comment=comment,
            note=decision.explanation[:1000],
            detail={"reference": notice.reference, "ground": decision.ground[:300]},
        )
        _tell_notifier(session, notice, f"Your notice {notice.reference} was decided.")
        _announce(session, "notice.decided", notice)
    return closed


def _tell_notifier(session: Session, notice: Notice, message: str) -> None:
    """In the app when they were signed in; by e-mail through the newsroom's mailer, which
    hears every step on its webhook (with the notifier's address)."""
    if notice.notifier_id is not None:
        notify(
            session,
            user_id=notice.notifier_id,
            kind=NotificationKind.NOTICE_UPDATE,
            message=message,
            comment_id=notice.comment_id,
            notice_reference=notice.reference,
        )


def _announce(session: Session, kind: WebhookEventType, notice: Notice) -> None:
    enqueue(session, type=kind, data=notice_event(notice))


def notice_event(notice: Notice) -> dict[str, Any]:
    return {
        "reference": notice.reference,
        "kind": notice.kind,
        "status": notice.status,
        "comment_id": notice.comment_id,
        "article_id": notice.article_id,
        "legal_ground": notice.legal_ground,
        "notifier": {"name": notice.notifier_name, "email": notice.notifier_email},
        "measure_ends_at": _iso(notice.measure_ends_at),
        "objected": notice.objected_at is not None,
        "overdue": notice.overdue_at is not None,
        "repeat": notice.repeat,
        "action": notice.action,
        "ground": notice.ground,
        "explanation": notice.decision_explanation,
        "decided_at": _iso(notice.decided_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class NoticeQueue(StrEnum):
    OPEN = "open"
    """Every notice not yet decided (overdue ones flagged), oldest first."""
    OVERDUE = "overdue"
    DECIDED = "decided"


OLDEST_FIRST = Keyset[tuple[Notice, Comment]](
    (SortKey(col(Notice.id), int),), lambda row: [row[0].id or 0]
)


def notices_page(
    session: Session, *, queue: NoticeQueue, limit: int, cursor: str | None
) -> Page[tuple[Notice, Comment]]:
    query = select(Notice, Comment).join(Comment, col(Comment.id) == Notice.comment_id)
    if queue == NoticeQueue.DECIDED:
        query = query.where(col(Notice.status) == NoticeStatus.DECIDED)
    else:
        query = query.where(col(Notice.status) == NoticeStatus.RECEIVED)
    if queue == NoticeQueue.OVERDUE:
        query = query.where(col(Notice.overdue_at).is_not(None))
    query = OLDEST_FIRST.apply(query, limit=limit, cursor=cursor)
    return OLDEST_FIRST.page([(notice, comment) for notice, comment in session.exec(query)], limit)
