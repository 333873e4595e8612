"""Tables for the runtime settings and the word lists."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class SiteSettings(SQLModel, table=True):
    """Moderation settings admins change at run time (one row). `version` moves on every change
    of these or of the word lists, so each replica knows when to recompile."""

    __tablename__ = "site_settings"

    id: int = Field(default=1, primary_key=True)
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WordListEntry(SQLModel, table=True):
    __tablename__ = "word_list_entry"
    __table_args__ = (UniqueConstraint("list_name", "word"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    list_name: str = Field(max_length=20)
    word: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
