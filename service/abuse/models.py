"""What the spam checks keep so they never scan history: one fingerprint per account and text,
a few LSH band keys per comment, a counter per account, day and cap, and the campaigns found."""

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class CommentFingerprint(SQLModel, table=True):
    """The last comment of an account with a text (normalised, hashed): the primary key makes
    the repeat check one index lookup, and two copies posted at once cannot both be stored."""

    __tablename__ = "comment_fingerprint"

    author_id: int = Field(primary_key=True, foreign_key="user.id", sa_type=BigId)
    key: str = Field(primary_key=True, max_length=32)
    comment_id: int = Field(foreign_key="comment.id", sa_type=BigId, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class CommentBand(SQLModel, table=True):
    """A comment's MinHash-LSH band keys: near-duplicates share one, so the comments like a
    new one are found by an index lookup on the key and the time window."""

    __tablename__ = "comment_band"
    __table_args__ = (Index("ix_comment_band_band_key_created_at", "band_key", "created_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    band_key: int = Field(sa_type=BigInteger)
    comment_id: int = Field(foreign_key="comment.id", sa_type=BigId, index=True)
    author_id: int = Field(sa_type=BigId)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class DailyCount(SQLModel, table=True):
    """An account's comments of one kind (`comments`, `replies`, `article:<id>`) on one of the
    site's days; incremented only while under its cap, in one statement."""

    __tablename__ = "daily_count"
    __table_args__ = (Index("ix_daily_count_day", "day"),)

    user_id: int = Field(primary_key=True, foreign_key="user.id", sa_type=BigId)
    day: str = Field(primary_key=True, max_length=10)
    scope: str = Field(primary_key=True, max_length=140)
    count: int = 0


class Campaign(SQLModel, table=True):
    """Near-duplicate comments from several accounts within the window: one card in the
    console, rejected (and its accounts banned) in one action."""

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    """When a comment last joined it: the console lists the active ones first."""
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: int | None = Field(default=None, foreign_key="user.id", sa_type=BigId)


class CampaignComment(SQLModel, table=True):
    __tablename__ = "campaign_comment"
    __table_args__ = (Index("ix_campaign_comment_campaign_id", "campaign_id", "comment_id"),)

    comment_id: int = Field(primary_key=True, foreign_key="comment.id", sa_type=BigId)
    campaign_id: int = Field(foreign_key="campaign.id", sa_type=BigId)


class ExternalCheckCount(SQLModel, table=True):
    """The external hook's answers per day (UTC) by outcome, failures included: a receiver
    that keeps timing out shows here, not only as held comments."""

    __tablename__ = "external_check_count"

    day: str = Field(primary_key=True, max_length=10)
    outcome: str = Field(primary_key=True, max_length=20)
    count: int = 0
