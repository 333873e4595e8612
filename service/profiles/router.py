"""A commenter's public page and the reader's choice to hide theirs: thin, the work is in
`service`."""

import anyio.to_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, StrictBool

from auth.deps import AUTHENTICATION_ERRORS, CredentialsDep, CurrentUser, optional_user
from auth.models import Badge
from auth.users import UserNotFound
from service.comments.schemas import CommentPublic
from service.core.deps import DatabaseDep, SessionDep, SettingsDep
from service.core.errors import Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.schemas import Id, Schema
from service.profiles import service
from service.profiles.service import HistoryPublicByPolicy, Profile

router = APIRouter(prefix="/v1", tags=["profiles"])


class ProfileUser(Schema):
    id: int
    display_name: str
    badge: Badge | None


class ProfileTotals(Schema):
    comments: int
    likes_received: int


class ProfilePage(Schema):
    user: ProfileUser
    hidden: bool
    """The commenter hid their history: `items` is empty and `totals` null."""
    totals: ProfileTotals | None
    items: list[CommentPublic]
    next_cursor: str | None

    @classmethod
    def of(cls, found: Profile) -> "ProfilePage":
        user = found.user
        assert user.id is not None
        totals = found.totals
        return cls(
            user=ProfileUser(id=user.id, display_name=user.display_name, badge=user.badge),
            hidden=found.hidden,
            totals=ProfileTotals(comments=totals.comments, likes_received=totals.likes_received)
            if totals
            else None,
            items=[CommentPublic.for_viewer(row, None) for row in found.page.items],
            next_cursor=found.page.next_cursor,
        )


@router.get(
    "/users/{user_id}/comments",
    responses=error_responses(UserNotFound, Unprocessable, InvalidCursor),
)
async def user_comments(
    user_id: Id,
    request: Request,
    presented: CredentialsDep,
    database: DatabaseDep,
    settings: SettingsDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> ProfilePage:
    """A commenter's public page: their published comments on every article, newest first,
    with `totals` (published comments, likes received). A reader may hide theirs where the
    site allows it (`hidden`: true, nothing listed); they and moderators still see it."""
    viewer = await anyio.to_thread.run_sync(optional_user, request, database, settings, presented)
    found = await database.run(
        lambda session: service.profile(
            session,
            user_id=user_id,
            viewer=viewer,
            policy=settings.public_history,
            limit=limit,
            cursor=cursor,
        )
    )
    return ProfilePage.of(found)


class HistoryPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: StrictBool


class HistoryPublic(Schema):
    hidden: bool


@router.put(
    "/me/history",
    responses=error_responses(*AUTHENTICATION_ERRORS, HistoryPublicByPolicy, Unprocessable),
)
def set_history(
    payload: HistoryPut, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> HistoryPublic:
    """Hides your public page of comments from other readers (`hidden`: true), or shows it
    again. 409 `history_public_by_policy` where the site keeps every history public."""
    reader = service.hide_history(
        session, reader=user, hidden=payload.hidden, policy=settings.public_history
    )
    return HistoryPublic(hidden=reader.history_hidden)
