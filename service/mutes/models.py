"""The mute table."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class Mute(SQLModel, table=True):
    """A reader's choice not to see another reader's comments: theirs to make and undo, never
    shown to the one muted."""

    __table_args__ = (
        # Who muted an account: its erasure.
        Index("ix_mute_muted_user_id", "muted_user_id"),
    )

    user_id: int = Field(primary_key=True, foreign_key="user.id", sa_type=BigId)
    muted_user_id: int = Field(primary_key=True, foreign_key="user.id", sa_type=BigId)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
