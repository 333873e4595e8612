"""A statement of reasons as its addressee reads it."""

from datetime import datetime

from moderation.redress import GroundKind, Means, Restriction
from moderation.statuses import CommentStatus
from service.core.schemas import Schema
from service.statements.models import StatementOfReasons


class StatementPublic(Schema):
    id: int
    restriction: Restriction
    comment_id: int | None
    comment_status: CommentStatus | None
    excerpt: str | None
    facts: str
    detected_by: Means
    automated_detection: bool
    automated_decision: bool
    ground_kind: GroundKind
    ground: str
    ground_text: str
    redress: str
    appeal_path: str
    """Where to send the appeal (for a temporary measure, the objection)."""
    appealable_until: datetime
    created_at: datetime

    @classmethod
    def of(cls, row: StatementOfReasons) -> "StatementPublic":
        stored = {name: getattr(row, name) for name in cls.model_fields if name != "appeal_path"}
        return cls.model_validate({**stored, "appeal_path": appeal_path(row)})


def appeal_path(row: StatementOfReasons) -> str:
    if row.comment_id is None:
        return f"/v1/me/sanctions/{row.id}/appeals"
    if row.restriction == Restriction.COMMENT_BLOCKED:
        return f"/v1/comments/{row.comment_id}/objections"
    return f"/v1/comments/{row.comment_id}/appeals"
