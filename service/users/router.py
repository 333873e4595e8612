"""Moderators look up users and sanction them (under /v1/admin); moderators and admins can be
sanctioned only by an admin."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from auth.deps import MODERATORS_ONLY, Moderator
from auth.users import UserErased, UserNotFound, get_user
from service.abuse.service import counts_today
from service.audit.service import sanction_history
from service.comments.schemas import CommentAdmin, CommentAdminPage
from service.comments.service import author_history, count_author_by_status, own_comments
from service.core.deps import SessionDep, SettingsDep
from service.core.errors import Forbidden, Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.schemas import Id, Reason
from service.policy.deps import PolicyDep
from service.policy.schemas import HistoryHold
from service.policy.service import PolicyStore
from service.users import service
from service.users.schemas import (
    BanRequest,
    SanctionReason,
    SuspendRequest,
    UserAdmin,
    UserHistory,
)
from service.users.service import InvalidUntil, Sanction

admin_router = APIRouter(dependencies=MODERATORS_ONLY)

SANCTION_ERRORS = (Forbidden, UserNotFound, UserErased, Unprocessable)


@dataclass(frozen=True)
class UserDrawer:
    """The user as the console's drawer shows it: counts, sanctions, and the spam checks'
    view (the rejection rate the history phase weighs, the daily caps used today)."""

    session: Session
    policy: PolicyStore
    zone: str

    def __call__(self, user_id: int) -> UserAdmin:
        session = self.session
        rule = self.policy.current(session).settings.history_hold
        days = rule.days if rule is not None else HistoryHold().days
        history = author_history(session, user_id, days=days)
        return UserAdmin.of(
            get_user(session, user_id),
            comment_counts=count_author_by_status(session, user_id),
            sanctions=sanction_history(session, user_id),
            history=UserHistory(
                days=days,
                decided=history.decided,
                rejected=history.rejected,
                rejected_rate=round(history.rejected_rate, 4),
                holds=rule is not None
                and history.decided >= rule.min_decided
                and history.rejected_rate >= rule.rejected_rate,
            ),
            caps_today=counts_today(session, user_id=user_id, zone=self.zone),
        )


async def get_drawer(session: SessionDep, policy: PolicyDep, settings: SettingsDep) -> UserDrawer:
    return UserDrawer(session, policy, settings.site_timezone)


Drawer = Annotated[UserDrawer, Depends(get_drawer)]


@admin_router.get("/users/{user_id}", responses=error_responses(UserNotFound, Unprocessable))
def user_detail(user_id: Id, drawer: Drawer) -> UserAdmin:
    """The user, their comment counts by status, their sanction history, the rejection rate
    the history phase weighs and the daily caps used today."""
    return drawer(user_id)


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
def ban(
    user_id: Id, payload: BanRequest, moderator: Moderator, session: SessionDep, drawer: Drawer
) -> UserAdmin:
    service.apply_sanction(
        session, moderator=moderator, user_id=user_id, sanction=Sanction.BAN, reason=payload.reason
    )
    return drawer(user_id)


@admin_router.post(
    "/users/{user_id}/suspend", responses=error_responses(*SANCTION_ERRORS, InvalidUntil)
)
def suspend(
    user_id: Id, payload: SuspendRequest, moderator: Moderator, session: SessionDep, drawer: Drawer
) -> UserAdmin:
    service.apply_sanction(
        session,
        moderator=moderator,
        user_id=user_id,
        sanction=Sanction.SUSPEND,
        reason=payload.reason,
        until=payload.until,
    )
    return drawer(user_id)


@admin_router.post("/users/{user_id}/premoderate", responses=error_responses(*SANCTION_ERRORS))
def premoderate(
    user_id: Id,
    moderator: Moderator,
    session: SessionDep,
    drawer: Drawer,
    payload: SanctionReason | None = None,
) -> UserAdmin:
    reason = payload.reason if payload else ""
    service.apply_sanction(
        session, moderator=moderator, user_id=user_id, sanction=Sanction.PREMODERATE, reason=reason
    )
    return drawer(user_id)


def _lift(sanction: Sanction) -> Callable[..., UserAdmin]:
    def lift(
        user_id: Id,
        moderator: Moderator,
        session: SessionDep,
        drawer: Drawer,
        reason: Annotated[Reason, Query()] = "",
    ) -> UserAdmin:
        service.lift_sanction(
            session, moderator=moderator, user_id=user_id, sanction=sanction, reason=reason
        )
        return drawer(user_id)

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
