"""Opening an appeal against a restriction and deciding it. Reversing restores the comment
(published again, counted and shown like any published comment) or lifts the sanction."""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, func, select, update

from auth.models import User, UserStatus
from moderation.redress import (
    APPEAL_REVERSED_REASON,
    AppealStatus,
    Restriction,
    may_decide_appeal,
)
from moderation.statuses import CommentStatus
from service.appeals.models import Appeal
from service.audit.service import record
from service.comments.errors import CommentNotFound
from service.comments.service import change_status, get_comment
from service.core.db import insert_or_ignore, utcnow
from service.core.errors import Conflict, Forbidden, NotFound
from service.core.pagination import Keyset, Page, SortKey
from service.notifications.models import NotificationKind
from service.notifications.service import notify
from service.statements.models import StatementOfReasons
from service.statements.service import StatementNotFound, get_statement
from service.users.service import Sanction, lift_sanction
from service.webhooks.service import WebhookEventType, enqueue


class AppealNotFound(NotFound):
    code = "appeal_not_found"

    def __init__(self, appeal_id: int) -> None:
        super().__init__(f"Appeal {appeal_id} does not exist.")


class AppealExists(Conflict):
    """One appeal per decision."""

    code = "appeal_exists"


class AppealWindowClosed(Conflict):
    code = "appeal_window_closed"


class NothingToAppeal(Conflict):
    """The comment is not restricted (any more)."""

    code = "nothing_to_appeal"


class ObjectInstead(Conflict):
    """A temporary measure is answered by an objection, which a moderator then decides."""

    code = "object_instead"


class AppealDecided(Conflict):
    code = "appeal_decided"


class RestrictionChanged(Conflict):
    """The comment moved since the restriction appealed; the one in force has its own
    statement."""

    code = "restriction_changed"


class SameDecider(Forbidden):
    """An appeal is decided by a person other than the one who decided the restriction."""

    code = "same_decider"


SANCTIONS = {
    Restriction.ACCOUNT_BANNED: Sanction.BAN,
    Restriction.ACCOUNT_SUSPENDED: Sanction.SUSPEND,
    Restriction.ACCOUNT_PREMODERATED: Sanction.PREMODERATE,
}


def appeal_comment(session: Session, *, comment_id: int, author: User, explanation: str) -> Appeal:
    """By the author, against the restriction in force on the comment (a removed comment too,
    though nobody else can see it)."""
    comment = get_comment(session, comment_id)
    if comment.author_id != author.id:
        raise CommentNotFound(comment_id)
    if comment.statement_id is None:
        raise NothingToAppeal(f"Comment {comment_id} is not restricted.")
    statement = get_statement(session, comment.statement_id)
    if comment.status != statement.comment_status:  # its author has deleted it since
        raise NothingToAppeal(f"Comment {comment_id} is not restricted.")
    if statement.restriction == Restriction.COMMENT_BLOCKED:
        raise ObjectInstead(
            f"The comment is under a temporary measure: object to it instead, at "
            f"POST /v1/comments/{comment_id}/objections."
        )
    return _open(session, statement, appellant=author, explanation=explanation)


def appeal_sanction(session: Session, *, statement_id: int, user: User, explanation: str) -> Appeal:
    """By the sanctioned user, naming the sanction's statement of reasons."""
    statement = get_statement(session, statement_id)
    if statement.user_id != user.id or statement.restriction not in SANCTIONS:
        raise StatementNotFound(statement_id)
    if not _sanction_in_force(session, statement):
        raise NothingToAppeal("This sanction is no longer in force.")
    return _open(session, statement, appellant=user, explanation=explanation)


def _open(
    session: Session, statement: StatementOfReasons, *, appellant: User, explanation: str
) -> Appeal:
    if utcnow() > statement.appealable_until:
        raise AppealWindowClosed(
            f"Appeals against this decision closed on {statement.appealable_until:%Y-%m-%d}."
        )
    appeal: Appeal | None = session.scalars(
        insert_or_ignore(session, Appeal)
        .values(
            statement_id=statement.id,
            appellant_id=appellant.id,
            comment_id=statement.comment_id,
            explanation=explanation,
            status=AppealStatus.OPEN,
            created_at=utcnow(),
        )
        .returning(Appeal)
    ).first()
    if appeal is None:
        raise AppealExists("This decision has been appealed already.")
    _audit(session, "appeal_received", statement, appeal, actor_id=appellant.id)
    _announce(session, "appeal.created", appeal, statement)
    return appeal


def decide_appeal(
    session: Session,
    *,
    appeal_id: int,
    outcome: AppealStatus,
    explanation: str,
    moderator: User,
) -> Appeal:
    """Upheld: the restriction stays. Reversed: it is undone. Never by the person who decided
    the restriction, nor by the appellant."""
    appeal = get_appeal(session, appeal_id)
    if appeal.status != AppealStatus.OPEN:
        raise AppealDecided(f"Appeal {appeal_id} was decided already.")
    statement = get_statement(session, appeal.statement_id)
    assert moderator.id is not None
    if appeal.appellant_id == moderator.id:
        raise SameDecider("You cannot decide your own appeal.")
    if not may_decide_appeal(statement.decided_by, moderator.id):
        raise SameDecider("You decided this restriction; another moderator decides the appeal.")
    if outcome == AppealStatus.REVERSED:
        _reverse(session, statement, moderator=moderator, appeal_id=appeal_id)
    decided = session.execute(
        update(Appeal)
        .where(col(Appeal.id) == appeal_id, col(Appeal.status) == AppealStatus.OPEN)
        .values(
            status=outcome,
            decided_at=utcnow(),
            decided_by=moderator.id,
            decision_explanation=explanation,
        )
    )
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise AppealDecided(f"Appeal {appeal_id} was decided already.")
    session.refresh(appeal)
    _audit(session, "appeal_decided", statement, appeal, actor_id=moderator.id)
    words = (
        "reversed: the restriction is lifted"
        if outcome == AppealStatus.REVERSED
        else ("upheld: the restriction stays")
    )
    notify(
        session,
        user_id=appeal.appellant_id,
        kind=NotificationKind.APPEAL_DECIDED,
        message=f"Your appeal was decided and the decision {words}. {explanation}",
        comment_id=appeal.comment_id,
        appeal_id=appeal.id,
        statement_id=statement.id,
    )
    _announce(session, "appeal.decided", appeal, statement)
    return appeal


def _reverse(
    session: Session, statement: StatementOfReasons, *, moderator: User, appeal_id: int
) -> None:
    if statement.comment_id is None:
        if not _sanction_in_force(session, statement):
            raise RestrictionChanged(
                "The sanction appealed is no longer the one in force; the one in force has its "
                "own statement of reasons."
            )
        lift_sanction(
            session,
            moderator=moderator,
            user_id=statement.user_id,
            sanction=SANCTIONS[statement.restriction],
            reason=f"appeal {appeal_id} reversed the sanction",
        )
        return
    comment = get_comment(session, statement.comment_id)
    if comment.statement_id != statement.id or comment.status != statement.comment_status:
        raise RestrictionChanged(
            f"Comment {comment.id} changed since this decision; it is {comment.status} now."
        )
    change_status(
        session,
        comment,
        CommentStatus.PUBLISHED,
        reason=APPEAL_REVERSED_REASON,
        actor_id=moderator.id,
        note=f"appeal {appeal_id}",
    )


def _sanction_in_force(session: Session, statement: StatementOfReasons) -> bool:
    """The user still has this sanction, and this statement is its latest: reversing an old
    ban must not lift a newer one."""
    user = session.exec(
        select(User)
        .where(col(User.id) == statement.user_id)
        .with_for_update(key_share=True)  # a sanction given meanwhile waits for this decision
        .execution_options(populate_existing=True)
    ).one()
    in_force = {
        Restriction.ACCOUNT_BANNED: user.status == UserStatus.BANNED,
        Restriction.ACCOUNT_SUSPENDED: user.status == UserStatus.SUSPENDED,
        Restriction.ACCOUNT_PREMODERATED: user.premoderated,
    }[statement.restriction]
    latest = session.exec(
        select(func.max(StatementOfReasons.id)).where(
            StatementOfReasons.user_id == statement.user_id,
            StatementOfReasons.restriction == statement.restriction,
        )
    ).one()
    return in_force and latest == statement.id


def get_appeal(session: Session, appeal_id: int) -> Appeal:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise AppealNotFound(appeal_id)
    return appeal


OLDEST_FIRST = Keyset[tuple[Appeal, StatementOfReasons]](
    (SortKey(col(Appeal.id), int),), lambda row: [row[0].id or 0]
)


def appeals_page(
    session: Session, *, status: AppealStatus, limit: int, cursor: str | None
) -> Page[tuple[Appeal, StatementOfReasons]]:
    query = (
        select(Appeal, StatementOfReasons)
        .join(StatementOfReasons, col(StatementOfReasons.id) == Appeal.statement_id)
        .where(col(Appeal.status) == status)
    )
    query = OLDEST_FIRST.apply(query, limit=limit, cursor=cursor)
    rows: Sequence[tuple[Appeal, StatementOfReasons]] = session.exec(query).all()
    return OLDEST_FIRST.page([(appeal, statement) for appeal, statement in rows], limit)


def _audit(
    session: Session,
    action: str,
    statement: StatementOfReasons,
    appeal: Appeal,
    *,
    actor_id: int | None,
) -> None:
    """About the comment (and so its author and article), or about the sanctioned user."""
    comment = get_comment(session, statement.comment_id) if statement.comment_id else None
    record(
        session,
        action=action,
        reason=appeal.status,
        actor_id=actor_id,
        comment=comment,
        subject_user_id=statement.user_id,
        note=(appeal.decision_explanation or appeal.explanation)[:1000],
        detail={"appeal_id": appeal.id, "statement_id": statement.id},
    )


def _announce(
    session: Session, kind: WebhookEventType, appeal: Appeal, statement: StatementOfReasons
) -> None:
    data: dict[str, Any] = {
        "appeal_id": appeal.id,
        "status": appeal.status,
        "appellant_id": appeal.appellant_id,
        "comment_id": appeal.comment_id,
        "statement_id": statement.id,
        "restriction": statement.restriction,
        "decided_by": appeal.decided_by,
        "explanation": appeal.decision_explanation,
    }
    enqueue(session, type=kind, data=data)
