"""Users, their social identities and their sessions."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class Role(StrEnum):
    READER = "reader"
    MODERATOR = "moderator"
    ADMIN = "admin"


MODERATING_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})


class Badge(StrEnum):
    """What readers see beside a name: the newsroom's own people, set by admins."""

    STAFF = "staff"
    JOURNALIST = "journalist"


class UserStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"
    ERASED = "erased"
    """The reader left (`DELETE /v1/me`) or an admin erased the account on request: it keeps
    only its id, the pseudonym the moderation records use, and `ERASED_NAME`."""


ERASED_NAME = ""
"""An erased account's display name: no live account has an empty one (a provider's missing
name becomes "X user"), so lists know an erased author without another column."""


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    display_name: str = Field(max_length=100)
    avatar_url: str | None = Field(default=None, max_length=1000)
    role: Role = Field(default=Role.READER, sa_type=String(20))
    status: UserStatus = Field(default=UserStatus.ACTIVE, sa_type=String(20))
    suspended_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    premoderated: bool = False
    badge: Badge | None = Field(default=None, sa_type=String(20))
    history_hidden: bool = False
    """The reader hid their public page of comments (where the site lets readers choose)."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Identity(SQLModel, table=True):
    """A Twitter/X or Facebook account linked to a user; (provider, subject) is the account id."""

    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    user_id: int = Field(foreign_key="user.id", sa_type=BigId, index=True, ondelete="CASCADE")
    provider: str = Field(max_length=20)
    subject: str = Field(max_length=100)
    username: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    avatar_url: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    """A session token the service issued; only its SHA-256 is stored."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    user_id: int = Field(foreign_key="user.id", sa_type=BigId, index=True, ondelete="CASCADE")
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    user_agent: str | None = Field(default=None, max_length=300)


class LoginAttempt(SQLModel, table=True):
    """An OAuth login in progress, kept server-side so a callback works once, on any replica, and
    only in the browser that started it. Deleted when the callback uses it."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    state_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    browser_hash: str = Field(max_length=64)
    provider: str = Field(max_length=20)
    code_verifier: str | None = Field(default=None, max_length=128)
    next_url: str = Field(max_length=2000)
    link_user_id: int | None = Field(
        default=None, foreign_key="user.id", sa_type=BigId, ondelete="CASCADE"
    )
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
