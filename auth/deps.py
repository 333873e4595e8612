"""Who is calling: a Bearer token or the session cookie, with CSRF checks for cookie writes, and
the role guards. Both schemes are FastAPI security classes, so the OpenAPI document shows them."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.requests import HTTPConnection

from auth.models import MODERATING_ROLES, AuthSession, Role, User
from auth.sessions import needs_recording, record_use, resolve_session
from auth.users import can_moderate
from service.core.db import Database
from service.core.deps import READING_METHODS, DatabaseDep, SettingsDep
from service.core.errors import AppError, Forbidden, NotAuthenticated
from service.core.origins import origin_of
from service.core.settings import Settings

DEFAULT_COOKIE_NAME: str = Settings.model_fields["session_cookie_name"].default


class SessionCookie(APIKeyCookie):
    """The session cookie under its configured name (`COMMENTMOD_SESSION_COOKIE_NAME`)."""

    async def __call__(self, request: HTTPConnection) -> str | None:
        settings: Settings = request.app.state.settings
        return request.cookies.get(settings.session_cookie_name) or None


bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="BearerToken",
    description="A session token (`commentmod tokens issue`, or the one the login cookie holds).",
)
cookie_scheme = SessionCookie(
    name=DEFAULT_COOKIE_NAME,
    auto_error=False,
    scheme_name="SessionCookie",
    description="The HttpOnly cookie set by social login. Writes with it need an allowed "
    "`Origin` (or `Referer`) and an `X-Requested-With` header.",
)


class CsrfFailed(AppError):
    """A cookie-authenticated write from a site not allowed, or without `X-Requested-With`."""

    status_code = 403
    code = "csrf_failed"


@dataclass(frozen=True)
class Credentials:
    """The token the caller presented, and whether it came in the cookie."""

    token: str | None
    via_cookie: bool


async def presented_credentials(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Credentials:
    if bearer is not None:
        return Credentials(bearer.credentials, via_cookie=False)
    return Credentials(cookie, via_cookie=True)


CredentialsDep = Annotated[Credentials, Depends(presented_credentials)]


def check_csrf(request: Request, settings: Settings) -> None:
    """A cookie rides along with any cross-site request; a write is only trusted when it comes
    from an allowlisted page and carries a header that a plain HTML form cannot set."""
    if request.method in READING_METHODS:
        return
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    origin = origin_of(source)
    if origin is None or origin not in settings.trusted_origins:
        raise CsrfFailed("This request must come from an allowed site (Origin check failed).")
    if not request.headers.get("x-requested-with"):
        raise CsrfFailed("Cookie-authenticated writes need the X-Requested-With header.")


def check_own_page(request: Request, settings: Settings) -> None:
    """Stricter than `check_csrf`, for a write only the service's own pages make: the
    `Origin` header (not `Referer`) must be the service's own origin."""
    if origin_of(request.headers.get("origin") or "") != origin_of(settings.public_url):
        raise CsrfFailed("Only the service's own pages may do this (Origin check failed).")
    if not request.headers.get("x-requested-with"):
        raise CsrfFailed("This request needs the X-Requested-With header.")


@dataclass(frozen=True)
class Authenticated:
    session: AuthSession
    user: User


@dataclass(frozen=True)
class Caller:
    """A caller who presented a token, not yet looked up. A route that opens a unit of work
    anyway resolves it there: one transaction and one thread hop fewer than `authenticate`."""

    request: Request
    settings: Settings
    token: str
    via_cookie: bool

    def resolve(self, session: Session) -> Authenticated:
        """The live session and its user; `NotAuthenticated` or `CsrfFailed` otherwise. The
        caller records the session's use when `needs_recording` says so (`record_use_if_due`)."""
        resolved = resolve_session(session, self.token)
        if resolved is None:
            raise NotAuthenticated("The session is unknown, expired or revoked; sign in again.")
        if self.via_cookie:
            check_csrf(self.request, self.settings)
        return Authenticated(*resolved)


async def identify_caller(
    request: Request, settings: SettingsDep, presented: CredentialsDep
) -> Caller:
    """No token at all is refused here, without the database; the token is checked later."""
    if not presented.token:
        raise NotAuthenticated()
    return Caller(request, settings, presented.token, presented.via_cookie)


def record_use_if_due(database: Database, auth: Authenticated) -> None:
    """Refreshes `last_used_at` in a write of its own, every few minutes, not per request."""
    if needs_recording(auth.session):
        assert auth.session.id is not None
        with database.session(writes=True) as session:
            record_use(session, auth.session.id)


def authenticate(
    request: Request, database: DatabaseDep, settings: SettingsDep, presented: CredentialsDep
) -> Authenticated:
    """Resolves the token in a short read-only unit of work of its own, so no transaction
    stays open behind the route, however long the route takes."""
    if not presented.token:
        raise NotAuthenticated()
    caller = Caller(request, settings, presented.token, presented.via_cookie)
    with database.session() as session:
        auth = caller.resolve(session)
    record_use_if_due(database, auth)
    return auth


async def current_user(auth: Annotated[Authenticated, Depends(authenticate)]) -> User:
    return auth.user


def optional_user(
    request: Request, database: DatabaseDep, settings: SettingsDep, presented: CredentialsDep
) -> User | None:
    """For public pages: a stale or missing session simply means an anonymous reader. Sync
    (it reads the database), so FastAPI runs it in a worker thread; the trivial guards are
    async and cost no thread hop."""
    if not presented.token:
        return None
    try:
        return authenticate(request, database, settings, presented).user
    except NotAuthenticated:
        return None


async def require_moderator(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role not in MODERATING_ROLES:
        raise Forbidden("Only moderators can do this.")
    if not can_moderate(user):
        raise Forbidden("A suspended or banned account cannot moderate.")
    return user


async def require_admin(user: Annotated[User, Depends(require_moderator)]) -> User:
    if user.role != Role.ADMIN:
        raise Forbidden("Only admins can do this.")
    return user


CurrentAuth = Annotated[Authenticated, Depends(authenticate)]
DeferredCaller = Annotated[Caller, Depends(identify_caller)]
CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
Moderator = Annotated[User, Depends(require_moderator)]
Admin = Annotated[User, Depends(require_admin)]

MODERATORS_ONLY = [Depends(require_moderator)]
"""The guard of every moderator router: a moderator or admin in good standing."""

AUTHENTICATION_ERRORS: tuple[type[AppError], ...] = (NotAuthenticated, CsrfFailed)
"""What any route behind `CurrentUser` (or `DeferredCaller`) can answer."""

AUTHENTICATING = frozenset({authenticate, identify_caller})
"""The dependencies that make a route refuse anonymous callers (see `service.openapi`)."""
