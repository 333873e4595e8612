"""What moderators send to sanction a user, and what they see of one."""

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from auth.models import Role, User, UserStatus
from service.audit.models import AuditEvent
from service.audit.schemas import AuditEventPublic
from service.core.schemas import Schema


class BanRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class SuspendRequest(BaseModel):
    until: AwareDatetime
    reason: str = Field(min_length=1, max_length=200)


class SanctionReason(BaseModel):
    reason: str = Field(default="", max_length=200)


class UserAdmin(Schema):
    id: int
    display_name: str
    role: Role
    status: UserStatus
    suspended_until: datetime | None
    premoderated: bool
    created_at: datetime
    comment_counts: dict[str, int]
    sanctions: list[AuditEventPublic]

    @classmethod
    def of(
        cls, user: User, *, comment_counts: dict[str, int], sanctions: list[AuditEvent]
    ) -> "UserAdmin":
        assert user.id is not None
        return cls(
            id=user.id,
            display_name=user.display_name,
            role=user.role,
            status=user.status,
            suspended_until=user.suspended_until,
            premoderated=user.premoderated,
            created_at=user.created_at,
            comment_counts=comment_counts,
            sanctions=[AuditEventPublic.model_validate(event) for event in sanctions],
        )
