"""Opaque session tokens: random, stored only as a SHA-256, expiring and revocable."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, select, update

from auth.models import AuthSession, User, UserStatus
from service.core.db import utcnow

TOKEN_PREFIX = "cm_"
"""Lets secret scanners and people recognise a leaked token."""

LAST_USED_RESOLUTION = timedelta(minutes=5)
"""`last_used_at` is refreshed at most this often, so reads do not each cost a write."""

_SESSION_BY_HASH = (
    select(AuthSession, User)
    .join(User, col(User.id) == AuthSession.user_id)
    .where(col(AuthSession.token_hash) == bindparam("token_hash"))
)
"""Built once, since every signed-in request runs it: building a statement and its cache key
costs more than running it."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_session(
    session: Session, user: User, *, lifetime: timedelta, user_agent: str | None = None
) -> str:
    """Creates a session and returns its token; the raw token exists only in the return value."""
    assert user.id is not None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + lifetime,
            user_agent=(user_agent or None) and user_agent[:300],
        )
    )
    session.flush()
    return token


def resolve_session(session: Session, token: str) -> tuple[AuthSession, User] | None:
    """The live session and its user for a token, or None if unknown, expired or revoked.
    Only reads: `record_use` writes, when `needs_recording` says so."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.exec(_SESSION_BY_HASH, params={"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    auth_session, user = row
    now = utcnow()
    if auth_session.revoked_at is not None or auth_session.expires_at <= now:
        return None
    if user.status == UserStatus.ERASED:  # a sign-in that raced the erasure
        return None
    return auth_session, user


def needs_recording(auth_session: AuthSession) -> bool:
    last = auth_session.last_used_at
    return last is None or utcnow() - last > LAST_USED_RESOLUTION


def record_use(session: Session, session_id: int) -> None:
    session.execute(
        update(AuthSession).where(col(AuthSession.id) == session_id).values(last_used_at=utcnow())
    )


def revoke_session(session: Session, auth_session: AuthSession) -> None:
    auth_session.revoked_at = utcnow()
    session.add(auth_session)


def revoke_all_sessions(session: Session, user_id: int) -> None:
    session.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def active_sessions(session: Session, user_id: int) -> list[AuthSession]:
    return list(
        session.exec(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                col(AuthSession.revoked_at).is_(None),
                col(AuthSession.expires_at) > utcnow(),
            )
            .order_by(col(AuthSession.id).desc())
        ).all()
    )
