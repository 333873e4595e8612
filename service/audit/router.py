"""The audit log, for moderators (under /v1/admin)."""

from fastapi import APIRouter

from auth.deps import MODERATORS_ONLY
from service.audit import service
from service.audit.schemas import AuditEventPublic, AuditPage
from service.core.deps import SessionDep
from service.core.errors import Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.schemas import Id

admin_router = APIRouter(dependencies=MODERATORS_ONLY)


@admin_router.get("/audit", responses=error_responses(Unprocessable, InvalidCursor))
def audit(
    session: SessionDep,
    comment_id: Id | None = None,
    author_id: Id | None = None,
    actor_id: Id | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> AuditPage:
    """Every moderation event, newest first; `actor_id` null means the system decided.
    `author_id` is the user an event is about (a comment's author, a sanctioned user)."""
    where = service.AuditFilter(comment_id=comment_id, author_id=author_id, actor_id=actor_id)
    page = service.audit_page(session, where=where, limit=limit, cursor=cursor)
    return AuditPage(
        items=[AuditEventPublic.model_validate(event) for event in page.items],
        next_cursor=page.next_cursor,
    )
