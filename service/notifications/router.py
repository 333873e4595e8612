"""A reader's notifications (under /v1/me)."""

from fastapi import APIRouter

from auth.deps import AUTHENTICATION_ERRORS, CurrentUser
from service.core.deps import SessionDep
from service.core.errors import NotAuthenticated, Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.notifications import service
from service.notifications.schemas import (
    Marked,
    MarkRead,
    NotificationPage,
    NotificationPublic,
    UnreadCount,
)

router = APIRouter(prefix="/v1/me/notifications", tags=["notifications"])


@router.get("", responses=error_responses(NotAuthenticated, Unprocessable, InvalidCursor))
def my_notifications(
    user: CurrentUser,
    session: SessionDep,
    unread: bool = False,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> NotificationPage:
    """Newest first; `unread=true` lists only those not yet read."""
    assert user.id is not None
    page = service.notifications_page(
        session, user_id=user.id, unread_only=unread, limit=limit, cursor=cursor
    )
    return NotificationPage(
        items=[NotificationPublic.of(row) for row in page.items],
        next_cursor=page.next_cursor,
        unread=service.unread_count(session, user.id),
    )


@router.get("/unread", responses=error_responses(NotAuthenticated))
def my_unread_count(user: CurrentUser, session: SessionDep) -> UnreadCount:
    """For the badge: unread notifications, counted up to 100."""
    assert user.id is not None
    return UnreadCount(unread=service.unread_count(session, user.id))


@router.post("/read", responses=error_responses(*AUTHENTICATION_ERRORS, Unprocessable))
def mark_read(payload: MarkRead, user: CurrentUser, session: SessionDep) -> Marked:
    """`{"ids": [...]}` marks those read, `{"all": true}` every one."""
    assert user.id is not None
    marked = service.mark_read(session, user_id=user.id, ids=payload.ids)
    return Marked(marked=marked, unread=service.unread_count(session, user.id))
