"""Reading a statement of reasons (under /v1/me; moderators may read any)."""

from fastapi import APIRouter

from auth.deps import CurrentUser
from service.core.deps import SessionDep
from service.core.errors import NotAuthenticated, Unprocessable, error_responses
from service.core.schemas import Id
from service.statements.schemas import StatementPublic
from service.statements.service import StatementNotFound, statement_for

router = APIRouter(prefix="/v1/me/statements", tags=["notifications"])


@router.get(
    "/{statement_id}",
    responses=error_responses(NotAuthenticated, StatementNotFound, Unprocessable),
)
def my_statement(statement_id: Id, user: CurrentUser, session: SessionDep) -> StatementPublic:
    """Why one of my comments or my account was restricted, and how to appeal."""
    return StatementPublic.of(statement_for(session, statement_id, viewer=user))
