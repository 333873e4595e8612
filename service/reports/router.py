"""Readers report comments."""

from fastapi import APIRouter, Request, status

from auth.deps import AUTHENTICATION_ERRORS, CurrentUser
from auth.users import UserBanned, UserSuspended
from service.comments.errors import CommentNotFound
from service.core.deps import ClientIp, LimitsDep, SessionDep
from service.core.errors import Unprocessable, error_responses
from service.core.ratelimit import RateLimited
from service.core.schemas import Id
from service.idempotency.service import IdempotencyKey, IdempotencyKeyReused, Retryable
from service.reports import service
from service.reports.schemas import ReportCreate, ReportPublic
from service.reports.service import AlreadyReported, CannotReportOwn

router = APIRouter(prefix="/v1", tags=["comments"])


@router.post(
    "/comments/{comment_id}/reports",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        *AUTHENTICATION_ERRORS,
        UserBanned,
        UserSuspended,
        CannotReportOwn,
        CommentNotFound,
        AlreadyReported,
        Unprocessable,
        IdempotencyKeyReused,
        RateLimited,
    ),
)
def report_comment(
    comment_id: Id,
    payload: ReportCreate,
    user: CurrentUser,
    session: SessionDep,
    limits: LimitsDep,
    address: ClientIp,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> ReportPublic:
    """Once per reader, never your own; the comment stays up until a moderator decides it.
    Send an `Idempotency-Key` to retry safely."""
    assert user.id is not None
    retry = Retryable.of(request, user_id=user.id, key=idempotency_key, payload=payload)
    retry.replay_if_answered(session)  # a retry neither counts nor reports twice
    limits.reports_from(address).take(session)
    return service.report_comment(
        session,
        reporter=user,
        comment_id=comment_id,
        reason=payload.reason,
        note=payload.note,
        retry=retry,
    )
