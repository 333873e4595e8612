"""Who is calling: a Bearer token or the session cookie, with CSRF checks for cookie writes."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from auth.models import MODERATING_ROLES, AuthSession, Role, User, UserStatus
from auth.origins import origin_of
from auth.sessions import resolve_session
from service.deps import SessionDep, SettingsDep
from service.errors import AppError, Forbidden, NotAuthenticated
from service.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(AppError):
    status_code = 403
    code = "csrf_failed"


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def check_csrf(request: Request, settings: Settings) -> None:
    """A cookie rides along with any cross-site request; a write is only trusted when it comes
    from an allowlisted page and carries a header that a plain HTML form cannot set."""
    if request.method in SAFE_METHODS:
        return
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    origin = origin_of(source)
    allowed = set(settings.allowed_origins)
    if origin is None or origin not in allowed:
        raise CsrfFailed("This request must come from an allowed site (Origin check failed).")
    if not request.headers.get("x-requested-with"):
        raise CsrfFailed("Cookie-authenticated writes need the X-Requested-With header.")


@dataclass(frozen=True)
class Authenticated:
    session: AuthSession
    user: User


def authenticate(request: Request, session: SessionDep, settings: SettingsDep) -> Authenticated:
    token = _bearer_token(request)
    via_cookie = token is None
    if via_cookie:
        token = request.cookies.get(settings.session_cookie_name)
    if not token:
        raise NotAuthenticated()
    resolved = resolve_session(session, token)
    if resolved is None:
        raise NotAuthenticated("The session is unknown, expired or revoked; sign in again.")
    if via_cookie:
        check_csrf(request, settings)
    return Authenticated(*resolved)


def current_user(auth: Annotated[Authenticated, Depends(authenticate)]) -> User:
    return auth.user


def require_moderator(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role not in MODERATING_ROLES:
        raise Forbidden("Only moderators can do this.")
    if user.status != UserStatus.ACTIVE:
        raise Forbidden("A suspended or banned account cannot moderate.")
    return user


def require_admin(user: Annotated[User, Depends(require_moderator)]) -> User:
    if user.role != Role.ADMIN:
        raise Forbidden("Only admins can do this.")
    return user


CurrentAuth = Annotated[Authenticated, Depends(authenticate)]
CurrentUser = Annotated[User, Depends(current_user)]
Moderator = Annotated[User, Depends(require_moderator)]
Admin = Annotated[User, Depends(require_admin)]


def optional_user(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    """For public pages: a stale or missing session simply means an anonymous reader."""
    try:
        return authenticate(request, session, settings).user
    except NotAuthenticated:
        return None
