"""Writing a statement of reasons in the transaction of the restriction it explains, telling
its author, and reading it back."""

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from auth.models import User
from auth.users import can_moderate
from moderation.redress import (
    SANCTION_RESTRICTIONS,
    CommentCase,
    Statement,
    appealable_until,
    comment_restriction,
    comment_statement,
    redress,
    sanction_statement,
)
from moderation.scoring.scorers import Scores
from moderation.statuses import CommentStatus
from service.audit.service import record
from service.core.db import insert_row, utcnow
from service.core.errors import NotFound
from service.notifications.models import NotificationKind
from service.notifications.service import notify
from service.statements.models import EXCERPT_LENGTH, StatementOfReasons


class RestrictedComment(Protocol):
    """What a statement needs of a comment (the comments feature's table has it)."""

    @property
    def id(self) -> int | None: ...
    @property
    def author_id(self) -> int: ...
    @property
    def article_id(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def scores(self) -> Scores | None: ...
    @property
    def model_id(self) -> str | None: ...


class StatementNotFound(NotFound):
    code = "statement_not_found"

    def __init__(self, statement_id: int) -> None:
        super().__init__(f"Statement {statement_id} does not exist.")


def excerpt(body: str) -> str:
    return body if len(body) <= EXCERPT_LENGTH else body[: EXCERPT_LENGTH - 1] + "…"


def state_comment_restriction(
    session: Session,
    comment: RestrictedComment,
    *,
    to_status: CommentStatus,
    reason: str,
    actor_id: int | None,
    earlier_reason: str | None,
    open_reports: int,
    legal_ground: str | None = None,
) -> StatementOfReasons | None:
    """The statement for a comment's move, when the move restricts it (see
    `moderation.redress.comment_restriction`); the author acting on their own comment (an edit
    the policy rejects) is an automated decision, not a person's."""
    restriction = comment_restriction(to_status, reason)
    if restriction is None:
        return None
    by_person = actor_id is not None and actor_id != comment.author_id
    statement = comment_statement(
        CommentCase(
            restriction=restriction,
            reason=reason,
            by_person=by_person,
            earlier_reason=earlier_reason,
            open_reports=open_reports,
            scores=comment.scores,
            model_id=comment.model_id,
            legal_ground=legal_ground,
        )
    )
    return _issue(
        session,
        statement,
        user_id=comment.author_id,
        comment=comment,
        comment_status=to_status,
        decided_by=actor_id if by_person else None,
    )


def state_sanction(
    session: Session,
    *,
    user_id: int,
    sanction: str,
    words: str,
    until: datetime | None,
    actor_id: int | None,
) -> StatementOfReasons:
    statement = sanction_statement(SANCTION_RESTRICTIONS[sanction], words, until)
    return _issue(session, statement, user_id=user_id, decided_by=actor_id)


def _issue(
    session: Session,
    statement: Statement,
    *,
    user_id: int,
    decided_by: int | None,
    comment: RestrictedComment | None = None,
    comment_status: CommentStatus | None = None,
) -> StatementOfReasons:
    issued_at = utcnow()
    until = appealable_until(issued_at)
    row = insert_row(
        session,
        StatementOfReasons(
            user_id=user_id,
            comment_id=comment.id if comment is not None else None,
            restriction=statement.restriction,
            comment_status=comment_status,
            excerpt=excerpt(comment.body) if comment is not None else None,
            facts=statement.facts,
            detected_by=statement.detected_by,
            automated_detection=statement.automated_detection,
            automated_decision=statement.automated_decision,
            ground_kind=statement.ground_kind,
            ground=statement.ground,
            ground_text=statement.ground_text,
            redress=redress(statement.restriction, until),
            decided_by=decided_by,
            created_at=issued_at,
            appealable_until=until,
        ),
    )
    record(
        session,
        action="statement_of_reasons",
        reason=statement.restriction,
        actor_id=decided_by,
        comment=comment,
        subject_user_id=user_id,
        detail={"statement_id": row.id, "automated_decision": statement.automated_decision},
    )
    notify(
        session,
        user_id=user_id,
        kind=NotificationKind.STATEMENT,
        message=statement.facts,
        comment_id=row.comment_id,
        statement_id=row.id,
    )
    return row


def get_statement(session: Session, statement_id: int) -> StatementOfReasons:
    statement = session.get(StatementOfReasons, statement_id)
    if statement is None:
        raise StatementNotFound(statement_id)
    return statement


def statement_for(session: Session, statement_id: int, *, viewer: User) -> StatementOfReasons:
    """Its addressee and moderators may read it; anyone else is told it does not exist."""
    statement = get_statement(session, statement_id)
    if statement.user_id != viewer.id and not can_moderate(viewer):
        raise StatementNotFound(statement_id)
    return statement
