"""A reader's mutes (under /v1/me): thin, the work is in `service`."""

from datetime import datetime

from fastapi import APIRouter, status

from auth.deps import AUTHENTICATION_ERRORS, CurrentUser
from auth.users import UserNotFound
from service.core.deps import SessionDep
from service.core.errors import NotAuthenticated, Unprocessable, error_responses
from service.core.schemas import Id, Schema
from service.mutes import service
from service.mutes.service import CannotMuteSelf, Muted, MuteLimitReached

router = APIRouter(prefix="/v1/me/muted", tags=["mutes"])


class MutedPublic(Schema):
    user_id: int
    display_name: str
    muted_at: datetime

    @classmethod
    def of(cls, muted: Muted) -> "MutedPublic":
        return cls(user_id=muted.user_id, display_name=muted.display_name, muted_at=muted.muted_at)


class MutedList(Schema):
    items: list[MutedPublic]


@router.get("", responses=error_responses(NotAuthenticated))
def my_mutes(user: CurrentUser, session: SessionDep) -> MutedList:
    """The readers you muted, newest first (at most 500)."""
    assert user.id is not None
    return MutedList(items=[MutedPublic.of(one) for one in service.muted_by(session, user.id)])


@router.put(
    "/{user_id}",
    responses=error_responses(
        *AUTHENTICATION_ERRORS, UserNotFound, CannotMuteSelf, MuteLimitReached, Unprocessable
    ),
)
def mute(user_id: Id, user: CurrentUser, session: SessionDep) -> MutedPublic:
    """Leaves this reader's comments and replies out of every page you are served (already
    muted: nothing changes). They are not told. 422 `cannot_mute_self`; 409
    `mute_limit_reached` past 500."""
    return MutedPublic.of(service.mute(session, reader=user, user_id=user_id))


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*AUTHENTICATION_ERRORS, Unprocessable),
)
def unmute(user_id: Id, user: CurrentUser, session: SessionDep) -> None:
    """Shows their comments again (not muted: nothing changes)."""
    service.unmute(session, reader=user, user_id=user_id)
