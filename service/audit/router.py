"""The audit log, for moderators (mounted under /v1/admin behind the moderator guard)."""

from fastapi import APIRouter

from service.audit import service
from service.audit.schemas import AuditEventPublic, AuditPage
from service.core.deps import SessionDep
from service.core.errors import Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit

admin_router = APIRouter(tags=["audit"])


@admin_router.get("/audit", responses=error_responses(Unprocessable, InvalidCursor))
def audit_log(
    session: SessionDep,
    comment_id: int | None = None,
    author_id: int | None = None,
    actor_id: int | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> AuditPage:
    """Every moderation event, newest first; `actor_id` null means the system decided.
    `author_id` is the user an event is about (a comment's author, a sanctioned user)."""
    where = service.AuditFilter(comment_id, author_id, actor_id)
    page = service.audit_page(session, where=where, limit=limit, cursor=cursor)
    return AuditPage(
        items=[AuditEventPublic.model_validate(event) for event in page.items],
        next_cursor=page.next_cursor,
    )
