"""What is kept of a reader who left: the request itself, until every comment it covers is done."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.core.db import BigId, UTCDateTime, utcnow


class Erasure(SQLModel, table=True):
    """One per erased account. The account is erased at once; its comments may wait (a legal
    hold, or more than one unit of work's worth), and the housekeeping sweep finishes them."""

    user_id: int = Field(primary_key=True, foreign_key="user.id", sa_type=BigId)
    delete_comments: bool
    """The reader's choice: delete the comments, or keep them under a deleted account."""
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    """Set when no comment of the account is left to delete or scrub."""
    barred_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    """A reader banned or suspended when they left: until then their linked provider accounts
    (provider and its user id only) are kept and refused at sign-in, so leaving and signing up
    again does not lift the ban; then the retention sweep removes them."""
