"""What moderators send to sanction a user, and what they see of one."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from auth.models import Role, User, UserStatus
from service.audit.models import AuditEvent
from service.audit.schemas import AuditEventPublic
from service.core.schemas import Reason, RequiredReason, Schema


class BanRequest(BaseModel):
    reason: RequiredReason


def _storable(moment: datetime) -> datetime:
    """Any offset, as long as the moment is still a date in UTC (year 9999 at most)."""
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("is beyond the last date that can be stored") from exc


class SuspendRequest(BaseModel):
    until: Annotated[AwareDatetime, AfterValidator(_storable)] = Field(
        description="When the suspension ends: a time in the future."
    )
    reason: RequiredReason


class SanctionReason(BaseModel):
    reason: Reason = ""


class UserHistory(Schema):
    """The author's comments decided over the history window: what the history phase weighs."""

    days: int
    decided: int
    rejected: int
    rejected_rate: float
    holds: bool
    """Whether the history phase holds this author's new comments now."""


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
    history: UserHistory
    caps_today: dict[str, int]
    """What the daily caps counted today: `comments`, `replies`, `article:<id>`."""

    @classmethod
    def of(
        cls,
        user: User,
        *,
        comment_counts: dict[str, int],
        sanctions: list[AuditEvent],
        history: UserHistory,
        caps_today: dict[str, int],
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
            history=history,
            caps_today=caps_today,
        )
