"""A reader's own data (under /v1/me): taking it, and leaving; an admin's erasure on a
request received by other means (under /v1/admin)."""

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from auth.deps import AUTHENTICATION_ERRORS, Admin, CurrentUser
from auth.router import clear_session_cookie
from auth.users import UserErased, UserNotFound
from service.core.deps import DatabaseDep, LimitsDep, SessionDep, SettingsDep
from service.core.errors import Forbidden, NotAuthenticated, Unprocessable, error_responses
from service.core.ratelimit import RateLimited
from service.core.schemas import Id
from service.privacy.erasure import Progress, erase_account
from service.privacy.export import ZIP_ABOVE, comment_count, document, zipped
from service.privacy.schemas import (
    CommentsOnLeaving,
    DataExport,
    EraseRequest,
    ErasureReport,
    HeldBackComment,
    LeaveRequest,
)

router = APIRouter(prefix="/v1/me", tags=["privacy"])
admin_router = APIRouter(tags=["privacy"])

ZIP = "application/zip"


class ExportFormat(StrEnum):
    JSON = "json"
    ZIP = "zip"


@router.get(
    "/export",
    response_model=DataExport,
    responses={
        **error_responses(NotAuthenticated, RateLimited, Unprocessable),
        200: {"content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
    },
)
def export_my_data(
    user: CurrentUser,
    session: SessionDep,
    database: DatabaseDep,
    limits: LimitsDep,
    chosen: Annotated[ExportFormat | None, Query(alias="format")] = None,
) -> StreamingResponse:
    """Everything kept about you, as one JSON document to save (`Content-Disposition:
    attachment`), streamed: your profile, linked sign-in accounts (never their tokens),
    sessions, every comment with its earlier versions, scores and status, your reports, the
    notices you sent signed in, the statements of reasons you were sent, your appeals and
    notifications. Over 10,000 comments it comes as a ZIP holding the same document, unless
    you ask for `format=json`; `format=zip` asks for the ZIP. Five an hour (429
    `rate_limited`)."""
    assert user.id is not None
    as_zip = chosen == ExportFormat.ZIP or (
        chosen is None and comment_count(session, user.id) > ZIP_ABOVE
    )
    limits.exports_by(user.id).take_alone(database)
    now = datetime.now(UTC)
    name = f"commentmod-export-{user.id}-{now.date().isoformat()}"
    pieces = document(database, user, now=now)
    if as_zip:
        return StreamingResponse(
            zipped(pieces, now=now),
            media_type=ZIP,
            headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
        )
    return StreamingResponse(
        pieces,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )


def _report(choice: CommentsOnLeaving, progress: Progress) -> ErasureReport:
    return ErasureReport(
        comments=choice,
        comments_deleted=progress.deleted,
        comments_kept=progress.kept,
        held_back=[HeldBackComment(comment_id=h.comment_id, why=h.why) for h in progress.held_back],
        finished=progress.finished,
        sign_in_barred_until=progress.barred_until,
    )


@router.delete("", responses=error_responses(*AUTHENTICATION_ERRORS, Unprocessable))
def leave(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    payload: LeaveRequest | None = None,
) -> ErasureReport:
    """Deletes your account: your name and picture, linked sign-in accounts, sessions (this
    one too: the cookie is cleared) and notifications go at once. Your comments
    stay under a deleted account (`anonymize`, the default) or are deleted (`delete`; one with
    replies stays as a placeholder so the conversation still reads). A comment under an open
    legal notice or appeal is held back and deleted once that is settled: the answer lists
    them. Take your data first (`GET /v1/me/export`): this cannot be undone."""
    assert user.id is not None
    choice = (payload or LeaveRequest()).comments
    progress = erase_account(
        session,
        user_id=user.id,
        delete_comments=choice == CommentsOnLeaving.DELETE,
        actor_id=user.id,
        reason="The account's owner deleted it.",
        ban_barred_for=timedelta(days=settings.retention_banned_sign_in_days),
    )
    clear_session_cookie(response, settings)
    return _report(choice, progress)


@admin_router.post(
    "/users/{user_id}/erase",
    responses=error_responses(Forbidden, UserNotFound, UserErased, Unprocessable),
)
def erase_user(
    user_id: Id, payload: EraseRequest, admin: Admin, session: SessionDep, settings: SettingsDep
) -> ErasureReport:
    """Admins only: erases an account as `DELETE /v1/me` would, for a request the newsroom
    received by other means (a letter, an e-mail); `reason` says which, and the audit log keeps
    it. Your own account is left through `DELETE /v1/me`."""
    assert admin.id is not None
    if user_id == admin.id:
        raise Forbidden("Leave your own account through DELETE /v1/me.")
    progress = erase_account(
        session,
        user_id=user_id,
        delete_comments=payload.comments == CommentsOnLeaving.DELETE,
        actor_id=admin.id,
        reason=payload.reason,
        ban_barred_for=timedelta(days=settings.retention_banned_sign_in_days),
    )
    return _report(payload.comments, progress)
