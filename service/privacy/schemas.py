"""The export's document: what a reader gets of everything kept about them (GDPR Art. 15 and
20, PIPA Art. 35). Each section names its fields, so a column added to a table later is not
exported by accident (a token's hash, a moderator's id)."""

from datetime import datetime
from typing import Any, Literal

from auth.models import Role, UserStatus
from moderation.statuses import CommentStatus
from service.core.schemas import Schema

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
    reports: list[ExportedReport]
    notices: list[ExportedNotice]
    statements: list[ExportedStatement]
    appeals: list[ExportedAppeal]
    notifications: list[ExportedNotification]
