"""Users as the rest of the service meets them: found by id, and in good standing or not."""

from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from auth.models import MODERATING_ROLES, User, UserStatus
from service.core.db import utcnow
from service.core.errors import Conflict, Forbidden, NotAuthenticated, NotFound


class UserNotFound(NotFound):
    """No user with this id."""

    code = "user_not_found"


class UserBanned(Forbidden):
    """This account is banned from commenting."""

    code = "user_banned"


class UserSuspended(Forbidden):
    """This account is suspended from commenting; `until` says until when (null: indefinitely)."""

    code = "user_suspended"
    fields: ClassVar[Mapping[str, Any]] = {"until": str | None}


class UserErased(Conflict):
    """The account was erased: nothing more can be done to it."""

    code = "user_erased"


_AUTHOR_STATUS = (
    select(User.status).where(col(User.id) == bindparam("user_id")).with_for_update(read=True)
)


def ensure_not_erased(session: Session, user_id: int) -> None:
    """For a transaction that stores what an author wrote: it shares the author's row lock, so an
    erasure in progress is waited for, and then nothing is stored for an erased account (a
    post whose earlier phases ran before the erasure)."""
    status = session.exec(_AUTHOR_STATUS, params={"user_id": user_id}).first()
    if status is None or status == UserStatus.ERASED:
        raise NotAuthenticated("This account was deleted.")


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    return user


def suspended_now(user: User) -> bool:
    """A suspension counts until its end; an ended one needs no lifting."""
    return user.status == UserStatus.SUSPENDED and (
        user.suspended_until is None or user.suspended_until > utcnow()
    )


LOCKED_OUT = frozenset({UserStatus.BANNED, UserStatus.ERASED})


def in_good_standing(user: User) -> bool:
    return user.status not in LOCKED_OUT and not suspended_now(user)


def can_moderate(user: User) -> bool:
    """The one rule for every moderator power, wherever it is used (the admin routes' guard,
    deleting others' comments, reading others' statements, seeing hidden comments): a
    moderating role on an account in good standing. A ban or suspension takes the powers
    with the right to comment."""
    return user.role in MODERATING_ROLES and in_good_standing(user)


def ensure_can_post(user: User) -> None:
    """Banned and (still) suspended readers can neither comment nor report."""
    if user.status == UserStatus.BANNED:
        raise UserBanned("This account is banned from commenting.")
    if suspended_now(user):
        until = user.suspended_until.isoformat() if user.suspended_until else None
        raise UserSuspended("This account is suspended from commenting.", until=until)
