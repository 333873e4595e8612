"""What the API returns about the signed-in user, their accounts and sessions."""

from datetime import datetime

from pydantic import BaseModel, Field

from auth.models import AuthSession, Identity, Role, User, UserStatus
from auth.users import can_moderate
from service.core.schemas import Schema


class IdentityPublic(Schema):
    provider: str
    username: str | None
    avatar_url: str | None


class UserPublic(Schema):
    id: int
    display_name: str
    avatar_url: str | None
    role: Role
    status: UserStatus
    can_moderate: bool
    """A moderating role on an account in good standing: what the console and every moderator
    route check (a ban or a running suspension withdraws the powers)."""
    identities: list[IdentityPublic]
    history_hidden: bool = False
    """The reader hid their public page of comments (`PUT /v1/me/history`)."""

    @classmethod
    def of(cls, user: User, *, identities: list[Identity]) -> "UserPublic":
        assert user.id is not None
        return cls(
            id=user.id,
            display_name=user.display_name,
            avatar_url=user.avatar_url,
            role=user.role,
            status=user.status,
            can_moderate=can_moderate(user),
            identities=[IdentityPublic.model_validate(identity) for identity in identities],
            history_hidden=user.history_hidden,
        )


class SessionPublic(Schema):
    id: int
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    user_agent: str | None
    current: bool

    @classmethod
    def of(cls, session: AuthSession, *, current_id: int | None) -> "SessionPublic":
        return cls(
            id=session.id or 0,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.expires_at,
            user_agent=session.user_agent,
            current=session.id == current_id,
        )


class TokenSignIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    """A token from `commentmod tokens issue` (or any live session token)."""


class ProviderPublic(Schema):
    name: str
    login_url: str


class ProviderList(Schema):
    providers: list[ProviderPublic]
