"""Muting: a reader leaves another's comments out of what they are served. The list is short
by rule (`MAX_MUTES`), read once per page and applied in the query, so a page still reads a
page's worth of rows plus the muted ones it skips."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from auth.models import User
from auth.users import get_user
from service.core.errors import Conflict, Unprocessable
from service.mutes.models import Mute

MAX_MUTES = 500
"""Mutes per reader: more would make every page they read a long exclusion."""


class CannotMuteSelf(Unprocessable):
    """A reader cannot mute themselves."""

    code = "cannot_mute_self"


class MuteLimitReached(Conflict):
    """A reader mutes at most `MAX_MUTES` accounts; unmute one first."""

    code = "mute_limit_reached"


@dataclass(frozen=True)
class Muted:
    user_id: int
    display_name: str
    muted_at: datetime


def mute(session: Session, *, reader: User, user_id: int) -> Muted:
    """Mutes the account (already muted: nothing changes)."""
    if user_id == reader.id:
        raise CannotMuteSelf("You cannot mute yourself.")
    target = get_user(session, user_id)
    assert reader.id is not None
    existing = session.get(Mute, (reader.id, user_id))
    if existing is None:
        if _count(session, reader.id) >= MAX_MUTES:
            raise MuteLimitReached(f"You can mute up to {MAX_MUTES} readers; unmute one first.")
        existing = Mute(user_id=reader.id, muted_user_id=user_id)
        session.add(existing)
        session.flush()
    return Muted(user_id, target.display_name, existing.created_at)


def unmute(session: Session, *, reader: User, user_id: int) -> None:
    """Unmutes the account (not muted: nothing changes)."""
    session.execute(
        delete(Mute).where(col(Mute.user_id) == reader.id, col(Mute.muted_user_id) == user_id)
    )


def _count(session: Session, user_id: int) -> int:
    return session.exec(select(func.count()).where(col(Mute.user_id) == user_id)).one()


def muted_ids(session: Session, user_id: int) -> list[int]:
    """The accounts the reader muted, for the page query (none: an empty list, no filter)."""
    rows = session.exec(
        select(Mute.muted_user_id)
        .where(col(Mute.user_id) == user_id)
        .order_by(col(Mute.muted_user_id))
    ).all()
    return list(rows)


def muted_by(session: Session, user_id: int) -> list[Muted]:
    """The reader's mutes, newest first, with the names the box shows."""
    rows = session.exec(
        select(Mute.muted_user_id, User.display_name, Mute.created_at)
        .join(User, col(User.id) == Mute.muted_user_id)
        .where(col(Mute.user_id) == user_id)
        .order_by(col(Mute.created_at).desc(), col(Mute.muted_user_id))
    ).all()
    return [Muted(muted, name, at) for muted, name, at in rows]


def forget_mutes(session: Session, user_id: int) -> None:
    """A departing reader's mutes go. Others' mutes of them stay: the comments they leave
    behind under a deleted account are still the ones those readers chose not to see."""
    session.execute(delete(Mute).where(col(Mute.user_id) == user_id))
