"""What the privacy routes accept and answer. The export's document: what a reader gets of
everything kept about them (GDPR Art. 15 and 20, PIPA Art. 35); each section names its fields,
so a column added to a table later is not exported by accident (a token's hash, a moderator's
id). Leaving: the reader's choice for their comments, and what was done (GDPR Art. 17, PIPA
Art. 36)."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from auth.models import Role, UserStatus
from moderation.statuses import CommentStatus
from service.comments.models import ReactionKind
from service.core.schemas import RequiredReason, Schema


class CommentsOnLeaving(StrEnum):
    ANONYMIZE = "anonymize"
    """Kept where they are, under a deleted account: no name, no link to a profile."""
    DELETE = "delete"
    """Deleted, text and earlier versions; a deleted comment with replies stays as a
    placeholder, so the conversation under it still reads."""


class LeaveRequest(BaseModel):
    # no unknown keys: a misspelt `comments` must not quietly choose the default of what
    # cannot be undone
    model_config = ConfigDict(extra="forbid")

    comments: CommentsOnLeaving = CommentsOnLeaving.ANONYMIZE


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comments: CommentsOnLeaving = CommentsOnLeaving.ANONYMIZE
    reason: RequiredReason
    """How the request came, by reference ("letter of 2026-12-01, ref. 17"), without the
    requester's name or address: the audit log keeps it, and keeps ids only of people."""


class HeldBackComment(Schema):
    comment_id: int
    why: Literal["legal_notice", "appeal"]
    """`legal_notice`: a notice about it is still open (a temporary measure included);
    `appeal`: an appeal about it is open. Deleted once settled."""


class ErasureReport(Schema):
    """What leaving did. The account itself is gone at once; comments held back by the law
    are deleted by the service once their notice or appeal is settled."""

    comments: CommentsOnLeaving
    comments_deleted: int
    comments_kept: int
    """Still shown to readers, under a deleted account (the `anonymize` choice)."""
    held_back: list[HeldBackComment]
    finished: bool
    """False while comments are held back, or more remain than one go deletes (then within
    the hour)."""
    sign_in_barred_until: datetime | None = None
    """Set when the account was banned or suspended: its linked X or Facebook accounts cannot
    sign in (nor make a new account) until then, so leaving does not lift the ban."""


FORMAT = "commentmod-export/1"


class ExportedProfile(Schema):
    id: int
    display_name: str
    avatar_url: str | None
    role: Role
    status: UserStatus
    suspended_until: datetime | None
    created_at: datetime


class ExportedProvider(Schema):
    """A linked sign-in account: the provider's names and ids, never a token."""

    provider: str
    subject: str
    username: str | None
    email: str | None
    avatar_url: str | None
    created_at: datetime


class ExportedSession(Schema):
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None
    user_agent: str | None


class ExportedRevision(Schema):
    """An earlier text of the comment, as it was before an edit."""

    body: str
    status: CommentStatus
    created_at: datetime


class ExportedComment(Schema):
    id: int
    article_id: str
    parent_id: int | None
    body: str
    status: CommentStatus
    status_reason: str | None
    scores: dict[str, float] | None
    """The toxicity model's scores, and which model gave them: a decision about the reader."""
    model_id: str | None
    created_at: datetime
    edited_at: datetime | None
    revisions: list[ExportedRevision]


class ExportedReaction(Schema):
    """A like or dislike the reader gave a comment."""

    comment_id: int
    kind: ReactionKind
    created_at: datetime


class ExportedMute(Schema):
    """A reader the reader muted."""

    muted_user_id: int
    created_at: datetime


class ExportedReport(Schema):
    """A report the reader made about a comment."""

    id: int
    comment_id: int
    reason: str
    note: str | None
    created_at: datetime
    resolved_at: datetime | None


class ExportedNotice(Schema):
    """A legal notice the reader sent while signed in."""

    reference: str
    comment_id: int
    article_id: str
    kind: str
    explanation: str
    legal_ground: str | None
    notifier_name: str
    notifier_email: str
    status: str
    created_at: datetime
    action: str | None
    ground: str | None
    decision_explanation: str | None
    decided_at: datetime | None


class ExportedStatement(Schema):
    """A statement of reasons the reader was sent."""

    id: int
    comment_id: int | None
    restriction: str
    comment_status: CommentStatus | None
    excerpt: str | None
    facts: str
    detected_by: str
    ground_kind: str
    ground: str
    ground_text: str
    redress: str
    created_at: datetime
    appealable_until: datetime


class ExportedAppeal(Schema):
    id: int
    statement_id: int
    comment_id: int | None
    explanation: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    decision_explanation: str | None


class ExportedNotification(Schema):
    id: int
    kind: str
    message: str
    comment_id: int | None
    detail: dict[str, Any] | None
    created_at: datetime
    read_at: datetime | None


class DataExport(Schema):
    """One JSON document (or the same in a ZIP): everything kept about the reader, oldest
    first in each section."""

    format: Literal["commentmod-export/1"]
    exported_at: datetime
    profile: ExportedProfile
    providers: list[ExportedProvider]
    sessions: list[ExportedSession]
    comments: list[ExportedComment]
    reactions: list[ExportedReaction]
    reports: list[ExportedReport]
    notices: list[ExportedNotice]
    statements: list[ExportedStatement]
    appeals: list[ExportedAppeal]
    notifications: list[ExportedNotification]
