"""Appeals: opened by the author of a restricted comment or a sanctioned user, decided by
moderators (never the one who decided the restriction)."""

from fastapi import APIRouter, status

from auth.deps import AUTHENTICATION_ERRORS, MODERATORS_ONLY, CurrentUser, Moderator
from moderation.redress import AppealStatus
from service.appeals import service
from service.appeals.schemas import (
    AppealAdmin,
    AppealAdminPage,
    AppealCreate,
    AppealDecisionCreate,
    AppealPublic,
)
from service.appeals.service import (
    AppealDecided,
    AppealExists,
    AppealNotFound,
    AppealWindowClosed,
    NothingToAppeal,
    ObjectInstead,
    RestrictionChanged,
    SameDecider,
)
from service.comments.errors import CommentNotFound, InvalidTransition
from service.core.deps import SessionDep
from service.core.errors import Forbidden, Unprocessable, error_responses
from service.core.pagination import Cursor, InvalidCursor, Limit
from service.core.schemas import Id
from service.statements.service import StatementNotFound, get_statement

router = APIRouter(prefix="/v1", tags=["appeals"])
admin_router = APIRouter(dependencies=MODERATORS_ONLY)

OPENING_ERRORS = (*AUTHENTICATION_ERRORS, AppealExists, AppealWindowClosed, Unprocessable)


@router.post(
    "/comments/{comment_id}/appeals",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        *OPENING_ERRORS, CommentNotFound, NothingToAppeal, ObjectInstead, StatementNotFound
    ),
)
def appeal_comment(
    comment_id: Id, payload: AppealCreate, user: CurrentUser, session: SessionDep
) -> AppealPublic:
    """Against the restriction in force on my comment, within six months of its statement of
    reasons; free of charge, decided by a person."""
    appeal = service.appeal_comment(
        session, comment_id=comment_id, author=user, explanation=payload.explanation
    )
    return AppealPublic.model_validate(appeal)


@router.post(
    "/me/sanctions/{statement_id}/appeals",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(*OPENING_ERRORS, StatementNotFound, NothingToAppeal),
)
def appeal_sanction(
    statement_id: Id, payload: AppealCreate, user: CurrentUser, session: SessionDep
) -> AppealPublic:
    """Against a ban, suspension or pre-moderation of my account, named by the id of its
    statement of reasons (in my notifications)."""
    appeal = service.appeal_sanction(
        session, statement_id=statement_id, user=user, explanation=payload.explanation
    )
    return AppealPublic.model_validate(appeal)


@admin_router.get("/appeals", responses=error_responses(Unprocessable, InvalidCursor))
def appeals_queue(
    session: SessionDep,
    status: AppealStatus = AppealStatus.OPEN,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> AppealAdminPage:
    """Appeals oldest first, each with the statement of reasons it contests."""
    page = service.appeals_page(session, status=status, limit=limit, cursor=cursor)
    return AppealAdminPage(
        items=[AppealAdmin.of(appeal, statement) for appeal, statement in page.items],
        next_cursor=page.next_cursor,
    )


@admin_router.post(
    "/appeals/{appeal_id}/decision",
    responses=error_responses(
        AppealNotFound,
        AppealDecided,
        SameDecider,
        Forbidden,
        RestrictionChanged,
        InvalidTransition,
        Unprocessable,
    ),
)
def decide_appeal(
    appeal_id: Id, payload: AppealDecisionCreate, moderator: Moderator, session: SessionDep
) -> AppealAdmin:
    """`reversed` restores the comment or lifts the sanction; `upheld` keeps it. The appellant
    is told. 403 `same_decider` for the person who decided the restriction."""
    appeal = service.decide_appeal(
        session,
        appeal_id=appeal_id,
        outcome=payload.outcome,
        explanation=payload.explanation,
        moderator=moderator,
    )
    return AppealAdmin.of(appeal, get_statement(session, appeal.statement_id))
