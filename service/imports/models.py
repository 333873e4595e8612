"""What an import remembers, so running it again adds nothing twice."""

from sqlmodel import Field, SQLModel

from service.core.db import BigId


class ImportedComment(SQLModel, table=True):
    """A comment brought in from another system: its id there, and the comment it became. Also
    what marks a comment imported (one longer than 250 characters was kept whole)."""

    __tablename__ = "imported_comment"

    source: str = Field(primary_key=True, max_length=20)
    source_id: str = Field(primary_key=True, max_length=100)
    comment_id: int = Field(foreign_key="comment.id", sa_type=BigId, index=True)


class ImportedAuthor(SQLModel, table=True):
    """An author from another system, as an account that cannot sign in (it has no linked
    provider): one per author key in the source."""

    __tablename__ = "imported_author"

    source: str = Field(primary_key=True, max_length=20)
    author_key: str = Field(primary_key=True, max_length=320)
    user_id: int = Field(foreign_key="user.id", sa_type=BigId, index=True)
    email: str | None = Field(default=None, max_length=320)
    """Only with `--keep-emails`."""
