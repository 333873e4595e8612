"""What the API returns about the signed-in user."""

from pydantic import BaseModel

from auth.models import Role, UserStatus


class UserPublic(BaseModel):
    id: int
    display_name: str
    avatar_url: str | None
    role: Role
    status: UserStatus
