"""A second model's scores, kept beside the comment's own (which name the model that decided)."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service.comments.models import MODEL_ID_LENGTH
from service.core.db import BigId, UTCDateTime, utcnow


class ShadowScore(SQLModel, table=True):
    __tablename__ = "shadow_score"

    comment_id: int = Field(foreign_key="comment.id", primary_key=True, sa_type=BigId)
    model_id: str = Field(primary_key=True, max_length=MODEL_ID_LENGTH)
    scores: dict[str, float] = Field(sa_column=Column(JSON, nullable=False))
    scored_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
