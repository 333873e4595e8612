"""What the moderators' API accepts and returns beyond comments themselves."""

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from auth.models import Role, UserStatus
from moderation.statuses import CommentStatus, ModeratorAction, RejectReason
from service.comments.schemas import ModerationActionPublic

Note = Annotated[str | None, Field(default=None, max_length=1000)]


class BulkDecision(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=100)
    action: ModeratorAction
    reason: RejectReason | None = None
    note: Note = None
    expected_status: CommentStatus | None = None

    @model_validator(mode="after")
    def _reject_needs_a_reason(self) -> "BulkDecision":
        if self.action == ModeratorAction.REJECT and self.reason is None:
            raise ValueError("rejecting needs a reason")
        return self


class BulkItem(BaseModel):
    id: int
    ok: bool
    status: CommentStatus | None = None
    error: str | None = None


class BulkResults(BaseModel):
    results: list[BulkItem]


class RejectAll(BaseModel):
    reason: RejectReason
    note: Note = None


class QueueCounts(BaseModel):
    held: int
    reported: int
    rejected: int
    approved: int


class ArticleQueueCounts(BaseModel):
    article_id: str
    held: int
    reported: int


class QueueCountsPage(BaseModel):
    counts: QueueCounts
    articles: list[ArticleQueueCounts]
    """The articles with the most comments waiting (held or reported), busiest first."""


class BanRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class SuspendRequest(BaseModel):
    until: AwareDatetime
    reason: str = Field(min_length=1, max_length=200)


class SanctionReason(BaseModel):
    reason: str = Field(default="", max_length=200)


class UserAdmin(BaseModel):
    id: int
    display_name: str
    role: Role
    status: UserStatus
    suspended_until: datetime | None
    premoderated: bool
    created_at: datetime
    comment_counts: dict[str, int]
    sanctions: list[ModerationActionPublic]


class ArticleUpdate(BaseModel):
    closed: bool | None = None
    premoderated: bool | None = None


class ArticleAdmin(BaseModel):
    id: str
    closed: bool
    closed_at: datetime | None
    premoderated: bool


class SettingsUpdate(BaseModel):
    """Any subset of the settings; the merged result is validated as a whole."""

    hold_thresholds: dict[str, float] | None = None
    auto_reject_threshold: float | None = None
    new_commenter_premoderation: int | None = None
    commenting_enabled: bool | None = None
    nudge: bool | None = None


class WordListPublic(BaseModel):
    words: list[str]


class WordListAdd(BaseModel):
    words: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=500
    )


class WordListAdded(WordListPublic):
    added: list[str]
