"""What readers send when they report a comment, and what they get back."""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

from service.core.schemas import ReportNote, Schema


class ReportReason(StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    MISINFORMATION = "misinformation"
    OTHER = "other"


ReactionBurst = Literal["reaction_burst"]
"""The service's own report: a burst of reactions from accounts that do not rank."""


class ReportCreate(BaseModel):
    reason: ReportReason
    note: ReportNote | None = None


class ReportPublic(Schema):
    id: int
    comment_id: int
    reason: ReportReason | ReactionBurst
    note: str | None
    created_at: datetime
