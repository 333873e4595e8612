"""Writing a notification in the transaction of what it tells, and reading them."""

from typing import Any

from sqlmodel import Session, col, func, select, update

from auth.models import User, UserStatus
from service.core.db import insert_row, utcnow
from service.core.pagination import Keyset, Page, SortKey
from service.notifications.models import Notification, NotificationKind

NEWEST_FIRST = Keyset[Notification](
    (SortKey(col(Notification.id), int, descending=True),), lambda row: [row.id or 0]
)


def notify(
    session: Session,
    *,
    user_id: int,
    kind: NotificationKind,
    message: str,
    comment_id: int | None = None,
    **detail: Any,
) -> Notification | None:
    """Told if, and only if, what it tells is committed; an erased account is told nothing
    (a decision on a comment it left behind)."""
    recipient = session.get(User, user_id)
    if recipient is None or recipient.status == UserStatus.ERASED:
        return None
    return insert_row(
        session,
        Notification(
            user_id=user_id,
            kind=kind,
            message=message[:1000],
            comment_id=comment_id,
            detail=detail or None,
        ),
    )


def notifications_page(
    session: Session, *, user_id: int, unread_only: bool, limit: int, cursor: str | None
) -> Page[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    query = NEWEST_FIRST.apply(query, limit=limit, cursor=cursor)
    return NEWEST_FIRST.page(session.exec(query).all(), limit)


UNREAD_COUNT_CAP = 100
"""A badge shows "99+" past this: counting further would read every unread row."""


def unread_count(session: Session, user_id: int) -> int:
    unread = (
        select(col(Notification.id))
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
        .limit(UNREAD_COUNT_CAP)
    )
    return session.exec(select(func.count()).select_from(unread.subquery())).one()


def mark_read(session: Session, *, user_id: int, ids: list[int] | None) -> int:
    """Marks some (or, with None, all) of the user's unread notifications read; how many.
    Ids that are not the user's are ignored, never told apart from read ones."""
    query = update(Notification).where(
        col(Notification.user_id) == user_id, col(Notification.read_at).is_(None)
    )
    if ids is not None:
        query = query.where(col(Notification.id).in_(ids))
    result = session.execute(query.values(read_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]
