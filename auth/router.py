"""Social login, and the signed-in user's own account and sessions."""

from datetime import datetime, timedelta
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from auth import login
from auth.deps import (
    AUTHENTICATION_ERRORS,
    CredentialsDep,
    CsrfFailed,
    CurrentAuth,
    CurrentUser,
    authenticate,
    check_own_page,
    optional_user,
)
from auth.login import (
    IdentityInUse,
    IdentityNotFound,
    LastIdentity,
    OAuthStateInvalid,
    ProviderNotConfigured,
)
from auth.providers import (
    ProviderClient,
    ProviderConfig,
    ProviderRefused,
    ProviderUnavailable,
    configured_providers,
)
from auth.schemas import ProviderList, ProviderPublic, SessionPublic, TokenSignIn, UserPublic
from auth.sessions import (
    active_sessions,
    issue_session,
    resolve_session,
    revoke_all_sessions,
    revoke_session,
)
from service.core.db import utcnow
from service.core.deps import DatabaseDep, SessionDep, SettingsDep, counted
from service.core.errors import NotAuthenticated, Unprocessable, error_responses
from service.core.ratelimit import Limits, RateLimited
from service.core.settings import Settings

router = APIRouter(prefix="/v1", tags=["auth"])


def _login_cookie(settings: Settings) -> str:
    """`__Host-` cookies cannot be planted by a sibling subdomain (login CSRF by cookie tossing);
    browsers only accept them when Secure."""
    return "__Host-commentmod_login" if settings.cookie_secure else "commentmod_login"


def _provider(settings: Settings, name: str) -> ProviderConfig:
    by_name = {str(key): value for key, value in configured_providers(settings).items()}
    config = by_name.get(name)
    if config is None:
        raise ProviderNotConfigured(f"Signing in with {name} is not available on this site.")
    return config


def _client(request: Request, settings: Settings, config: ProviderConfig) -> ProviderClient:
    return ProviderClient(
        config,
        redirect_uri=f"{settings.public_url}/v1/auth/{config.name}/callback",
        timeout=settings.provider_timeout,
        transport=request.app.state.provider_transport,
    )


def _set_session_cookie(
    response: Response, token: str, settings: Settings, *, expires_at: datetime | None = None
) -> None:
    lifetime = timedelta(days=settings.session_lifetime_days)
    if expires_at is not None:
        lifetime = min(lifetime, expires_at - utcnow())
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=int(lifetime.total_seconds()),
        domain=settings.session_cookie_domain,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        settings.session_cookie_name,
        domain=settings.session_cookie_domain,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


@router.get("/auth/providers")
async def providers(settings: SettingsDep) -> ProviderList:
    """The sign-in buttons to show: only providers this site has credentials for. Needs no
    database and no worker thread, so it answers while the database is down."""
    return ProviderList(
        providers=[
            ProviderPublic(name=name, login_url=f"{settings.public_url}/v1/auth/{name}/login")
            for name in configured_providers(settings)
        ]
    )


@router.get(
    "/auth/{provider}/login",
    status_code=status.HTTP_302_FOUND,
    responses=error_responses(NotAuthenticated, ProviderNotConfigured, Unprocessable, RateLimited),
    dependencies=[counted(Limits.logins_from)],
)
def start_login(
    provider: str,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    presented: CredentialsDep,
    next_url: Annotated[str | None, Query(alias="next", max_length=2000)] = None,
    link: bool = False,
) -> RedirectResponse:
    """Sends the reader to the provider; `link=1` adds the account to the signed-in user."""
    config = _provider(settings, provider)
    link_user_id = authenticate(request, database, settings, presented).user.id if link else None
    with database.session(writes=True) as session:
        authorize_url, browser_nonce = login.start_login(
            session,
            client=_client(request, settings, config),
            next_url=login.safe_next(next_url, settings),
            link_user_id=link_user_id,
        )
    response = RedirectResponse(authorize_url, status_code=status.HTTP_302_FOUND)
    response.set_cookie(
        _login_cookie(settings),
        browser_nonce,
        max_age=int(login.LOGIN_TIMEOUT.total_seconds()),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )
    return response


@router.get(
    "/auth/{provider}/callback",
    status_code=status.HTTP_302_FOUND,
    responses=error_responses(
        OAuthStateInvalid, ProviderNotConfigured, IdentityInUse, Unprocessable
    ),
)
async def finish_login(
    provider: str,
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    presented: CredentialsDep,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    """Where the provider sends the reader back: signs them in and returns them to `next`.
    Cancelling or an unreachable provider lands them back with `login_error`, never a trace."""
    config = _provider(settings, provider)
    browser_nonce = request.cookies.get(_login_cookie(settings))
    taken = await database.run(
        lambda session: login.take_login_attempt(session, state=state, browser_nonce=browser_nonce),
        writes=True,
    )
    attempt = login.check_login_attempt(taken, provider=provider, browser_nonce=browser_nonce)

    def back(**params: str) -> RedirectResponse:
        response = RedirectResponse(
            login.with_query(attempt.next_url, **params), status_code=status.HTTP_302_FOUND
        )
        response.delete_cookie(_login_cookie(settings), secure=settings.cookie_secure)
        return response

    linking = attempt.link_user_id
    if linking is not None:
        viewer = await anyio.to_thread.run_sync(
            optional_user, request, database, settings, presented
        )
        if viewer is None or viewer.id != linking:
            return back(login_error="login_failed")  # signed out (or revoked) at the provider
    if error is not None or code is None:
        return back(login_error="access_denied" if error == "access_denied" else "login_failed")
    try:
        profile = await _client(request, settings, config).fetch_profile(
            code, attempt.code_verifier
        )
    except ProviderUnavailable:
        return back(login_error="provider_unavailable")
    except ProviderRefused:
        return back(login_error="login_failed")

    user_agent = request.headers.get("user-agent")
    lifetime = timedelta(days=settings.session_lifetime_days)

    def sign_in(session: Session) -> str | None:
        user = login.sign_in_with(session, profile, link_user_id=linking)
        if linking is not None:
            return None  # linking keeps the session the reader already has
        return issue_session(session, user, lifetime=lifetime, user_agent=user_agent)

    try:
        token = await database.run(sign_in, writes=True)
    except login.AccountErased:
        return back(login_error="login_failed")
    except login.AccountBarred:
        return back(login_error="account_barred")
    response = back()
    if token is not None:
        _set_session_cookie(response, token, settings)
    return response


@router.post(
    "/auth/token",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated, CsrfFailed, Unprocessable, RateLimited),
    dependencies=[counted(Limits.logins_from)],
)
def sign_in_with_token(
    payload: TokenSignIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> None:
    """Puts an API token into the HttpOnly session cookie, so the moderator console never keeps
    it in script-readable storage. The cookie holds that very token, for what is left of its
    life: revoking the token signs the browser out, and signing out of the browser revokes the
    token, which now belongs to that browser. Only from the service's own pages (exact
    `Origin`, and `X-Requested-With`): no news page, however trusted for comments, may sign a
    browser in to an account of its choosing."""
    check_own_page(request, settings)
    resolved = resolve_session(session, payload.token)
    if resolved is None:
        raise NotAuthenticated("This token is unknown, expired or revoked.")
    auth_session, _ = resolved
    _set_session_cookie(response, payload.token, settings, expires_at=auth_session.expires_at)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*AUTHENTICATION_ERRORS),
)
def logout(
    auth: CurrentAuth, session: SessionDep, settings: SettingsDep, response: Response
) -> None:
    """Revokes this session (the token stops working everywhere) and clears the cookie."""
    revoke_session(session, auth.session)
    clear_session_cookie(response, settings)


@router.get("/me", responses=error_responses(NotAuthenticated))
def me(user: CurrentUser, session: SessionDep) -> UserPublic:
    assert user.id is not None
    return UserPublic.of(user, identities=login.identities_of(session, user.id))


@router.delete(
    "/me/identities/{provider}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*AUTHENTICATION_ERRORS, IdentityNotFound, LastIdentity),
)
def unlink_identity(provider: str, user: CurrentUser, session: SessionDep) -> None:
    assert user.id is not None
    login.unlink(session, user_id=user.id, provider=provider)


@router.get("/me/sessions", responses=error_responses(NotAuthenticated))
def my_sessions(auth: CurrentAuth, session: SessionDep) -> list[SessionPublic]:
    assert auth.user.id is not None
    return [
        SessionPublic.of(s, current_id=auth.session.id)
        for s in active_sessions(session, auth.user.id)
    ]


@router.delete(
    "/me/sessions",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*AUTHENTICATION_ERRORS),
)
def logout_everywhere(
    auth: CurrentAuth, session: SessionDep, settings: SettingsDep, response: Response
) -> None:
    """Signs out every browser and API client of this account."""
    assert auth.user.id is not None
    revoke_all_sessions(session, auth.user.id)
    clear_session_cookie(response, settings)
