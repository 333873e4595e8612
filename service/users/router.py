"""Moderators look up users and sanction them (under /v1/admin); moderators and admins can be
sanctioned only by an admin."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session
from starlette.convertors import Convertor, register_url_convertor

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


class SanctionConvertor(Convertor[str]):
    """Only a sanction's name matches `/users/{id}/{sanction}`, so `DELETE` on the sibling
    `/users/{id}/comments:reject` is a wrong method (405), not a wrong sanction (422)."""

    regex = "|".join(Sanction)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("sanction", SanctionConvertor())

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


@admin_router.delete(
    "/users/{user_id}/{sanction:sanction}", responses=error_responses(*SANCTION_ERRORS)
)
def lift(
    user_id: Id,
    sanction: Sanction,
    moderator: Moderator,
    session: SessionDep,
    reason: Annotated[Reason, Query()] = "",
) -> UserAdmin:
    """Lifts a ban, a suspension or pre-moderation."""
    service.lift_sanction(
        session, moderator=moderator, user_id=user_id, sanction=sanction, reason=reason
    )
    return _user_admin(session, user_id)
