"""Moderators look up users and sanction them (under /v1/admin); moderators and admins can be
sanctioned only by an admin."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from auth.deps import MODERATORS_ONLY, Moderator
from auth.users import UserNotFound, get_user
from service.audit.service import sanction_history
from service.comments.schemas import CommentAdmin, CommentAdminPage
from service.comments.service import count_author_by_status, own_comments
from service.core.deps import SessionDep
from service.core.errors import Forbidden, Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.schemas import Id, Reason
from service.users import service
from service.users.schemas import BanRequest, SanctionReason, SuspendRequest, UserAdmin
from service.users.service import InvalidUntil, Sanction

admin_router = APIRouter(dependencies=MODERATORS_ONLY)

SANCTION_ERRORS = (Forbidden, UserNotFound, Unprocessable)


def _user_admin(session: Session, user_id: int) -> UserAdmin:
    return UserAdmin.of(
        get_user(session, user_id),
        comment_counts=count_author_by_status(session, user_id),
        sanctions=sanction_history(session, user_id),
    )


@admin_router.get("/users/{user_id}", responses=error_responses(UserNotFound, Unprocessable))
def user_detail(user_id: Id, session: SessionDep) -> UserAdmin:
    """The user, their comment counts by status and their sanction history."""
    return _user_admin(session, user_id)


@admin_router.get(
    "/users/{user_id}/comments",
    responses=error_responses(UserNotFound, Unprocessable, InvalidCursor),
)
def user_comments(
    user_id: Id, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> CommentAdminPage:
    """The user's comments on every article in any status but deleted, newest first, with
    their scores: the history a moderator reads before deciding."""
    page = own_comments(session, author=get_user(session, user_id), limit=limit, cursor=cursor)
    return CommentAdminPage(
        items=[CommentAdmin.of(row) for row in page.items], next_cursor=page.next_cursor
    )


@admin_router.post("/users/{user_id}/ban", responses=error_responses(*SANCTION_ERRORS))
def ban(user_id: Id, payload: BanRequest, moderator: Moderator, session: SessionDep) -> UserAdmin:
    service.apply_sanction(
        session, moderator=moderator, user_id=user_id, sanction=Sanction.BAN, reason=payload.reason
    )
    return _user_admin(session, user_id)


@admin_router.post(
    "/users/{user_id}/suspend", responses=error_responses(*SANCTION_ERRORS, InvalidUntil)
)
def suspend(
    user_id: Id, payload: SuspendRequest, moderator: Moderator, session: SessionDep
) -> UserAdmin:
    service.apply_sanction(
        session,
        moderator=moderator,
        user_id=user_id,
        sanction=Sanction.SUSPEND,
        reason=payload.reason,
        until=payload.until,
    )
    return _user_admin(session, user_id)


@admin_router.post("/users/{user_id}/premoderate", responses=error_responses(*SANCTION_ERRORS))
def premoderate(
    user_id: Id, moderator: Moderator, session: SessionDep, payload: SanctionReason | None = None
) -> UserAdmin:
    reason = payload.reason if payload else ""
    service.apply_sanction(
        session, moderator=moderator, user_id=user_id, sanction=Sanction.PREMODERATE, reason=reason
    )
    return _user_admin(session, user_id)


def _lift(sanction: Sanction) -> Callable[..., UserAdmin]:
    def lift(
        user_id: Id,
        moderator: Moderator,
        session: SessionDep,
        reason: Annotated[Reason, Query()] = "",
    ) -> UserAdmin:
        service.lift_sanction(
            session, moderator=moderator, user_id=user_id, sanction=sanction, reason=reason
        )
        return _user_admin(session, user_id)

    lift.__doc__ = f"Lifts the user's {LIFTED[sanction]}."
    return lift


LIFTED = {
    Sanction.BAN: "ban",
    Sanction.SUSPEND: "suspension",
    Sanction.PREMODERATE: "pre-moderation",
}


# One route per sanction, not `/users/{user_id}/{sanction}`: a sanction is applied and lifted at
# one path, which the document then shows with both methods, as `Allow` names them.
for _sanction in Sanction:
    admin_router.add_api_route(
        f"/users/{{user_id}}/{_sanction}",
        _lift(_sanction),
        methods=["DELETE"],
        name=f"lift_{_sanction}",
        responses=error_responses(*SANCTION_ERRORS),
    )
