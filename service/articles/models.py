"""The article table."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class Article(SQLModel, table=True):
    """An article of the CMS, registered the first time someone comments on it."""

    id: str = Field(primary_key=True, max_length=128)
    url: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=500)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    premoderated: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_count: int = Field(default=0, sa_type=BigId)
    """Its published comments, kept in the transaction that moves one (the badge's number)."""
    version: int = Field(default=0, sa_type=BigId)
    """Bumped in the transaction of every change anonymous readers could see, so every worker
    and replica knows when its cached pages of the article are stale."""
    pinned_comment_id: int | None = Field(default=None, sa_type=BigId)
    """The comment moderators pinned at the top of its pages (shown while published); no
    foreign key, since a comment refers to its article."""
