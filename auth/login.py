"""Social login: where a login may land, the login attempt's life, and finding or linking the
account a provider profile belongs to."""

import secrets
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from auth.models import Identity, LoginAttempt, User, UserStatus
from auth.providers import Profile, ProviderClient
from auth.sessions import hash_token
from service.core.db import in_written_order, utcnow
from service.core.errors import AppError, Conflict, NotFound
from service.core.origins import origin_of
from service.core.settings import Settings

LOGIN_TIMEOUT = timedelta(minutes=10)
"""How long a reader may spend at the provider's consent screen."""


class OAuthStateInvalid(AppError):
    """The sign-in link is forged, expired, already used, or from another browser or provider."""

    status_code = 400
    code = "oauth_state_invalid"

    def __init__(self) -> None:
        super().__init__(
            "This sign-in link is invalid, expired or already used; start signing in again."
        )


class ProviderNotConfigured(NotFound):
    """This site offers no sign-in with that provider."""

    code = "provider_not_configured"


class AccountErased(Exception):
    """The account being signed in to (or linked to) was erased meanwhile: nothing is stored,
    and the reader is sent back with `login_error=login_failed`."""


class AccountBarred(Exception):
    """The provider account belonged to a reader who left while banned or suspended: it makes
    no new account until the bar ends, and the reader is sent back with
    `login_error=account_barred`."""


class IdentityInUse(Conflict):
    """The provider account already belongs to another user."""

    code = "identity_in_use"


class IdentityNotFound(NotFound):
    """No account of that provider is linked."""

    code = "identity_not_found"


class LastIdentity(Conflict):
    """The only way left to sign in to this account cannot be unlinked."""

    code = "last_identity"


def landing_url(settings: Settings) -> str:
    if settings.login_landing_url:
        return settings.login_landing_url
    if settings.allowed_origins:
        return settings.allowed_origins[0] + "/"
    return settings.public_url + "/"


def safe_next(next_url: str | None, settings: Settings) -> str:
    """`next` only when it points at an allowlisted site or the service's own pages; otherwise
    the default landing page."""
    if next_url and origin_of(next_url) in settings.trusted_origins:
        return next_url
    return landing_url(settings)


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def start_login(
    session: Session, *, client: ProviderClient, next_url: str, link_user_id: int | None
) -> tuple[str, str]:
    """Records a login in progress; returns the provider's authorization URL and the nonce that
    binds the login to this browser (set as a cookie). Expired attempts are cleared here."""
    state = secrets.token_urlsafe(32)
    browser_nonce = secrets.token_urlsafe(32)
    authorize_url, code_verifier = client.authorization_url(state)
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.expires_at) < utcnow()))
    session.add(
        LoginAttempt(
            state_hash=hash_token(state),
            browser_hash=hash_token(browser_nonce),
            provider=client.config.name,
            code_verifier=code_verifier,
            next_url=next_url,
            link_user_id=link_user_id,
            expires_at=utcnow() + LOGIN_TIMEOUT,
        )
    )
    session.flush()
    return authorize_url, browser_nonce


def take_login_attempt(
    session: Session, *, state: str | None, browser_nonce: str | None
) -> LoginAttempt | None:
    """The login this callback finishes, deleted so a replayed callback finds nothing. The caller
    commits this before checking the attempt: it is used up even if the login then fails."""
    if not state or not browser_nonce:
        return None
    return session.scalars(
        delete(LoginAttempt)
        .where(col(LoginAttempt.state_hash) == hash_token(state))
        .returning(LoginAttempt)
    ).first()


def check_login_attempt(
    attempt: LoginAttempt | None, *, provider: str, browser_nonce: str | None
) -> LoginAttempt:
    """It must come back to the browser that started it (login CSRF), from the same provider,
    in time."""
    if (
        attempt is None
        or not browser_nonce
        or attempt.provider != provider
        or not secrets.compare_digest(attempt.browser_hash, hash_token(browser_nonce))
        or attempt.expires_at < utcnow()
    ):
        raise OAuthStateInvalid()
    return attempt


def sign_in_with(session: Session, profile: Profile, *, link_user_id: int | None) -> User:
    """The user a provider profile signs in: found by (provider, subject), linked to the signed-in
    user when linking, or created. Profile fields are refreshed on every login. The user row is
    locked first: an erasure in progress is waited for, and an account it erased is never
    signed in or renamed (its identity is gone, so the profile makes a new account; kept, when
    the reader left under a ban, it is refused)."""
    user = _sign_in_once(session, profile, link_user_id=link_user_id)
    if user is None:
        user = _sign_in_once(session, profile, link_user_id=link_user_id)
    if user is None:
        raise AccountErased("The account was deleted while signing in.")
    return user


def _sign_in_once(session: Session, profile: Profile, *, link_user_id: int | None) -> User | None:
    identity = _identity_of(session, profile)
    if identity is None:
        try:
            with session.begin_nested():
                identity = _new_identity(session, profile, link_user_id=link_user_id)
        except IntegrityError:  # the same account signing in twice at once: the other won
            identity = _identity_of(session, profile)
            assert identity is not None
    if link_user_id is not None and identity.user_id != link_user_id:
        raise IdentityInUse(
            f"This {profile.provider} account already belongs to another user; nothing was linked."
        )
    user = session.exec(
        select(User)
        .where(col(User.id) == identity.user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if user is None or user.status == UserStatus.ERASED:
        session.expire_all()
        if user is not None and _identity_of(session, profile) is not None:
            raise AccountBarred(f"This {profile.provider} account left while barred.")
        return None
    identity.username = profile.username
    identity.email = profile.email
    identity.avatar_url = profile.avatar_url
    session.add(identity)
    if link_user_id is None:
        user.display_name = profile.display_name
        user.avatar_url = profile.avatar_url
        session.add(user)
    session.flush()
    return user


def _identity_of(session: Session, profile: Profile) -> Identity | None:
    return session.exec(
        select(Identity).where(
            Identity.provider == profile.provider, Identity.subject == profile.subject
        )
    ).first()


def _new_identity(session: Session, profile: Profile, *, link_user_id: int | None) -> Identity:
    """The account's first login: linked to the signed-in user, or a new user."""
    user = session.get(User, link_user_id) if link_user_id is not None else None
    if user is None:
        user = User(display_name=profile.display_name, avatar_url=profile.avatar_url)
        session.add(user)
        session.flush()
    assert user.id is not None
    identity = Identity(user_id=user.id, provider=profile.provider, subject=profile.subject)
    session.add(identity)
    session.flush()
    return identity


def unlink(session: Session, *, user_id: int, provider: str) -> None:
    # Lock the user so two concurrent unlinks cannot both see "another one is left".
    session.exec(select(User).where(User.id == user_id).with_for_update()).one()
    identities = session.exec(select(Identity).where(Identity.user_id == user_id)).all()
    match = next((i for i in identities if i.provider == provider), None)
    if match is None:
        raise IdentityNotFound(f"No {provider} account is linked.")
    if len(identities) == 1:
        raise LastIdentity("This is the only way to sign in to this account; link another first.")
    session.delete(match)


def identities_of(session: Session, user_id: int) -> list[Identity]:
    return in_written_order(session, Identity, Identity.user_id == user_id)
