"""The signed-in user's own routes."""

from fastapi import APIRouter, Response, status

from auth.deps import CurrentAuth, CurrentUser
from auth.schemas import UserPublic
from auth.sessions import revoke_session
from service.deps import SessionDep, SettingsDep
from service.errors import NotAuthenticated, error_responses

router = APIRouter(prefix="/v1", tags=["me"], responses=error_responses(NotAuthenticated))


@router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    auth: CurrentAuth, session: SessionDep, settings: SettingsDep, response: Response
) -> None:
    """Revokes this session (the token stops working everywhere) and clears the cookie."""
    revoke_session(session, auth.session)
    response.delete_cookie(settings.session_cookie_name, httponly=True, secure=True, samesite="lax")
