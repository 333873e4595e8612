"""Moderator routes (role moderator or admin); thin, the work is in `service.admin.service`."""

from fastapi import APIRouter

from auth.deps import Moderator
from moderation.statuses import CommentStatus, ModeratorAction
from service.admin import service
from service.admin.service import QueueSort
from service.comments.models import ModerationAction
from service.comments.router import to_public
from service.comments.schemas import (
    ApproveRequest,
    AuditPage,
    CommentAdmin,
    CommentAdminDetail,
    CommentAdminPage,
    ModerationActionPublic,
    RejectRequest,
)
from service.comments.service import CommentWithAuthor, get_comment, with_author
from service.deps import SessionDep
from service.errors import Conflict, Forbidden, NotAuthenticated, NotFound, error_responses
from service.pagination import Cursor, Limit

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    responses=error_responses(NotAuthenticated, Forbidden),
)


def to_admin(row: CommentWithAuthor) -> CommentAdmin:
    comment = row.comment
    return CommentAdmin(
        **to_public(comment, row.author_name).model_dump(),
        status_reason=comment.status_reason,
        scores=comment.scores,
        toxicity=comment.toxicity,
        model_id=comment.model_id,
        edited_at=comment.edited_at,
    )


def to_action(action: ModerationAction) -> ModerationActionPublic:
    return ModerationActionPublic.model_validate(action, from_attributes=True)


@router.get("/queue")
def moderation_queue(
    session: SessionDep,
    _: Moderator,
    status: CommentStatus = CommentStatus.HELD,
    sort: QueueSort = QueueSort.OLDEST,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> CommentAdminPage:
    """Comments in one status with their scores: oldest first, or `sort=toxicity` worst first."""
    rows, next_cursor = service.queue(session, status, sort, limit, cursor)
    return CommentAdminPage(items=[to_admin(row) for row in rows], next_cursor=next_cursor)


@router.get("/comments/{comment_id}", responses=error_responses(NotFound))
def comment_detail(comment_id: int, session: SessionDep, _: Moderator) -> CommentAdminDetail:
    comment = get_comment(session, comment_id)
    return CommentAdminDetail(
        **to_admin(with_author(session, comment)).model_dump(),
        actions=[to_action(a) for a in service.comment_history(session, comment_id)],
    )


@router.post("/comments/{comment_id}/approve", responses=error_responses(NotFound, Conflict))
def approve(
    comment_id: int,
    moderator: Moderator,
    session: SessionDep,
    payload: ApproveRequest | None = None,
) -> CommentAdmin:
    note = payload.note if payload else None
    comment = service.decide(
        session, comment_id, ModeratorAction.APPROVE, moderator, "approved", note
    )
    return to_admin(with_author(session, comment))


@router.post("/comments/{comment_id}/reject", responses=error_responses(NotFound, Conflict))
def reject(
    comment_id: int, payload: RejectRequest, moderator: Moderator, session: SessionDep
) -> CommentAdmin:
    comment = service.decide(
        session, comment_id, ModeratorAction.REJECT, moderator, payload.reason, payload.note
    )
    return to_admin(with_author(session, comment))


@router.get("/audit")
def audit(session: SessionDep, _: Moderator, limit: Limit = 20, cursor: Cursor = None) -> AuditPage:
    """Moderation actions, newest first; `actor_id` null means the system decided."""
    actions, next_cursor = service.audit_log(session, limit, cursor)
    return AuditPage(
        items=[to_action(a) for a in actions],
        next_cursor=next_cursor,
    )
