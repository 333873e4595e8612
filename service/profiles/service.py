"""A commenter's public page (`GET /v1/users/{id}/comments`): published comments only, newest
first, with their totals, unless the reader hid it where the site lets them
(`COMMENTMOD_PUBLIC_HISTORY`). The reader themselves and moderators always see it."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from auth.models import User, UserStatus
from auth.users import UserNotFound, can_moderate, get_user
from moderation.statuses import CommentStatus
from service.comments.models import Comment, CommentWithAuthor
from service.comments.service import NEWEST_FIRST
from service.core.errors import Conflict
from service.core.pagination import Page
from service.core.settings import PublicHistory


class HistoryPublicByPolicy(Conflict):
    """This site keeps every commenter's history public."""

    code = "history_public_by_policy"


@dataclass(frozen=True)
class Totals:
    comments: int
    """Published comments."""
    likes_received: int
    """Likes on them."""


@dataclass(frozen=True)
class Profile:
    user: User
    hidden: bool
    """The owner hid it: no comments, no totals."""
    totals: Totals | None
    page: Page[CommentWithAuthor]


def _shown_to(user: User, viewer: User | None, policy: PublicHistory) -> bool:
    if viewer is not None and (viewer.id == user.id or can_moderate(viewer)):
        return True
    return policy == PublicHistory.ALWAYS or not user.history_hidden


def profile(
    session: Session,
    *,
    user_id: int,
    viewer: User | None,
    policy: PublicHistory,
    limit: int,
    cursor: str | None,
) -> Profile:
    """The page of a commenter; an erased account has none (404, as an unknown id)."""
    user = get_user(session, user_id)
    if user.status == UserStatus.ERASED:
        raise UserNotFound(f"User {user_id} does not exist.")
    if not _shown_to(user, viewer, policy):
        return Profile(user, True, None, Page([], None))
    published = (col(Comment.author_id) == user_id) & (
        col(Comment.status) == CommentStatus.PUBLISHED
    )
    count, likes = session.exec(
        select(func.count(), func.coalesce(func.sum(Comment.likes), 0)).where(published)
    ).one()
    query = NEWEST_FIRST.apply(
        select(Comment, col(Comment.published_replies)).where(published),
        limit=limit,
        cursor=cursor,
    )
    rows = [
        CommentWithAuthor(comment, user.display_name, replies, author_badge=user.badge)
        for comment, replies in session.exec(query).all()
    ]
    return Profile(user, False, Totals(count, int(likes)), NEWEST_FIRST.page(rows, limit))


def hide_history(session: Session, *, reader: User, hidden: bool, policy: PublicHistory) -> User:
    """The reader hides their public page, or shows it again; 409 where the site keeps every
    history public."""
    if hidden and policy == PublicHistory.ALWAYS:
        raise HistoryPublicByPolicy("This site keeps every commenter's history public.")
    assert reader.id is not None
    user = get_user(session, reader.id)
    user.history_hidden = hidden
    session.add(user)
    return user
