"""Reporting a comment, and settling its reports when a moderator decides it."""

from dataclasses import replace

from sqlmodel import Session, col, update

from auth.models import User
from auth.users import ensure_can_post
from moderation.queues import Move, Standing
from moderation.statuses import CommentStatus
from service.audit.service import record
from service.comments.errors import CommentNotFound
from service.comments.models import Comment
from service.comments.service import get_comment
from service.comments.tallies import count_move
from service.core.db import in_written_order, insert_or_ignore, utcnow
from service.core.errors import Conflict, Forbidden
from service.idempotency.service import Retryable
from service.reports.models import Report
from service.reports.schemas import ReportPublic, ReportReason


class AlreadyReported(Conflict):
    """Each reader reports a comment once."""

    code = "already_reported"


class CannotReportOwn(Forbidden):
    """Readers cannot report their own comments."""

    code = "cannot_report_own"


def report_comment(
    session: Session,
    *,
    reporter: User,
    comment_id: int,
    reason: ReportReason,
    note: str | None,
    retry: Retryable,
) -> ReportPublic:
    """A reader flags a published comment; it stays visible and counts towards the reported
    queue until a moderator decides it. The answer is kept for a retry with the same key."""
    retry.reserve(session)
    ensure_can_post(reporter)
    comment = get_comment(session, comment_id)
    if comment.status != CommentStatus.PUBLISHED:
        raise CommentNotFound(comment_id)
    if comment.author_id == reporter.id:
        raise CannotReportOwn("You cannot report your own comment.")
    assert reporter.id is not None
    report = session.scalars(
        insert_or_ignore(session, Report)
        .values(
            comment_id=comment_id,
            reporter_id=reporter.id,
            reason=reason,
            note=note,
            created_at=utcnow(),
        )
        .returning(Report)
    ).first()
    if report is None:
        raise AlreadyReported("You have already reported this comment.")
    count_report(session, comment, reason=reason, note=note, reporter_id=reporter.id)
    answer = ReportPublic.model_validate(report)
    retry.remember(session, status_code=201, body=answer)
    return answer


def count_report(
    session: Session, comment: Comment, *, reason: str, note: str | None, reporter_id: int | None
) -> None:
    """The report's place in the comment's open reports (and so in the reported queue), and
    its audit row; 404 when the comment was taken down since it was read."""
    assert comment.id is not None
    counted = session.execute(
        update(Comment)
        .where(col(Comment.id) == comment.id, col(Comment.status) == CommentStatus.PUBLISHED)
        .values(open_reports=Comment.open_reports + 1)
        .returning(col(Comment.status_reason), col(Comment.open_reports))
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if counted is None:
        raise CommentNotFound(comment.id)
    status_reason, open_reports = counted
    before = Standing(CommentStatus.PUBLISHED, status_reason, open_reports - 1)
    count_move(
        session, comment.article_id, Move(before, replace(before, open_reports=open_reports))
    )
    record(
        session, action="reported", reason=reason, actor_id=reporter_id, comment=comment, note=note
    )


def settle_reports(session: Session, comment_id: int) -> None:
    """A moderator decided the comment: its open reports are settled and kept as history."""
    session.execute(
        update(Report)
        .where(col(Report.comment_id) == comment_id, col(Report.resolved_at).is_(None))
        .values(resolved_at=utcnow())
    )


def reports_on(session: Session, comment_id: int) -> list[Report]:
    return in_written_order(session, Report, Report.comment_id == comment_id)
