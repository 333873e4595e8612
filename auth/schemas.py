"""What the API returns about the signed-in user, their accounts and sessions."""

from datetime import datetime

from auth.models import AuthSession, Role, UserStatus
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
    identities: list[IdentityPublic]


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


class ProviderPublic(Schema):
    name: str
    login_url: str


class ProviderList(Schema):
    providers: list[ProviderPublic]
