"""Sanctions on users (ban, suspend, pre-moderate) and lifting them. Each takes effect on the
user's next request and is written to the audit log."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from auth.models import MODERATING_ROLES, Role, User, UserStatus
from auth.users import UserErased, get_user
from service.audit.service import record
from service.comments.reactions import stop_ranking
from service.core.db import utcnow
from service.core.errors import Forbidden, Unprocessable
from service.statements.service import state_sanction


class Sanction(StrEnum):
    BAN = "ban"
    SUSPEND = "suspend"
    PREMODERATE = "premoderate"


class InvalidUntil(Unprocessable):
    """A suspension ends in the future."""

    code = "invalid_until"


def _check_authority(*, moderator: User, target: User) -> None:
    if target.id == moderator.id:
        raise Forbidden("You cannot sanction yourself.")
    if target.status == UserStatus.ERASED:
        raise UserErased(f"User {target.id} was erased.")
    if target.role in MODERATING_ROLES and moderator.role != Role.ADMIN:
        raise Forbidden("Only an admin can sanction a moderator or an admin.")


def apply_sanction(
    session: Session,
    *,
    moderator: User,
    user_id: int,
    sanction: Sanction,
    reason: str,
    until: datetime | None = None,
) -> User:
    target = get_user(session, user_id)
    _check_authority(moderator=moderator, target=target)
    detail: dict[str, Any] | None = None
    if sanction == Sanction.BAN:
        target.status, target.suspended_until = UserStatus.BANNED, None
        stop_ranking(session, user_id)
    elif sanction == Sanction.SUSPEND:
        if until is None or until <= utcnow():
            raise InvalidUntil("A suspension needs an `until` in the future.")
        target.status, target.suspended_until = UserStatus.SUSPENDED, until
        detail = {"until": until.isoformat()}
    else:
        target.premoderated = True
    session.add(target)
    record(
        session,
        action=f"user_{sanction}",
        reason=reason,
        actor_id=moderator.id,
        subject_user_id=target.id,
        detail=detail,
    )
    assert target.id is not None
    state_sanction(
        session,
        user_id=target.id,
        sanction=sanction,
        words=reason,
        until=until if sanction == Sanction.SUSPEND else None,
        actor_id=moderator.id,
    )
    return target


def lift_sanction(
    session: Session, *, moderator: User, user_id: int, sanction: Sanction, reason: str
) -> User:
    target = get_user(session, user_id)
    _check_authority(moderator=moderator, target=target)
    if sanction == Sanction.PREMODERATE:
        target.premoderated = False
    elif (sanction == Sanction.BAN and target.status == UserStatus.BANNED) or (
        sanction == Sanction.SUSPEND and target.status == UserStatus.SUSPENDED
    ):
        target.status, target.suspended_until = UserStatus.ACTIVE, None
    session.add(target)
    record(
        session,
        action=f"user_{sanction}_lifted",
        reason=reason,
        actor_id=moderator.id,
        subject_user_id=target.id,
    )
    return target
