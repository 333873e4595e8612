"""What the API returns about the signed-in user, their accounts and sessions."""

from datetime import datetime

from pydantic import BaseModel

from auth.models import Role, UserStatus


class IdentityPublic(BaseModel):
    provider: str
    username: str | None
    avatar_url: str | None


class UserPublic(BaseModel):
    id: int
    display_name: str
    avatar_url: str | None
    role: Role
    status: UserStatus
    identities: list[IdentityPublic]


class SessionPublic(BaseModel):
    id: int
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    user_agent: str | None
    current: bool


class ProviderPublic(BaseModel):
    name: str
    login_url: str


class ProviderList(BaseModel):
    providers: list[ProviderPublic]
