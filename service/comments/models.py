"""The comment table, its earlier versions, and a comment as lists show it."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ColumnElement, Index, String, Text, func, literal_column
from sqlmodel import Field, SQLModel, col

from auth.models import Badge
from moderation.queues import Queue
from moderation.statuses import CommentStatus
from service.core.db import BigId, UTCDateTime, utcnow

MODEL_ID_LENGTH = 200
"""The scoring models' names stored with a comment (`;`-separated when two scored it)."""


class Comment(SQLModel, table=True):
    __table_args__ = (
        # Article page: published (and the author's own) comments, newest first.
        Index("ix_comment_article_id_status_id", "article_id", "status", "id"),
        # The author's own comments across articles.
        Index("ix_comment_author_id_id", "author_id", "id"),
        # The history phase: the author's comments of the last days.
        Index("ix_comment_author_id_created_at", "author_id", "created_at"),
        # Moderator queues: oldest first, and worst first.
        Index("ix_comment_status_id", "status", "id"),
        # A comment's replies, oldest first; its reply count's recount.
        Index("ix_comment_parent_id_id", "parent_id", "id"),
        # The most-commented articles of a window (`comments/top.py`).
        Index("ix_comment_status_created_at", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    article_id: str = Field(foreign_key="article.id", max_length=128)
    author_id: int = Field(foreign_key="user.id", sa_type=BigId)
    parent_id: int | None = Field(default=None, foreign_key="comment.id", sa_type=BigId)
    body: str = Field(sa_type=Text)
    status: CommentStatus = Field(default=CommentStatus.PENDING, sa_type=String(20))
    status_reason: str | None = Field(default=None, max_length=50)
    scores: dict[str, float] | None = Field(default=None, sa_column=Column(JSON))
    toxicity: float | None = None
    model_id: str | None = Field(default=None, max_length=MODEL_ID_LENGTH)
    open_reports: int = 0
    """Reports since the last moderator decision; past the threshold the comment is `reported`."""
    published_replies: int = 0
    """Its published replies, kept with each reply's move (`tallies.write_moves`)."""
    likes: int = 0
    dislikes: int = 0
    """Every reaction, as readers see the counts (kept with each reaction, like the comment
    counts)."""
    ranked_likes: int = 0
    ranked_dislikes: int = 0
    """Only the reactions that count toward ranking: not from accounts younger than the
    site's `reactions.ranking_min_account_age_hours` when they reacted, nor from accounts
    banned since."""
    featured: bool = False
    """An editors' pick (`POST /v1/admin/comments/{id}/feature`)."""
    best_score: float = 0.0
    """The rank of "best first": `moderation.ranking.wilson_lower_bound` of the ranked counts,
    kept with them."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    statement_id: int | None = Field(default=None, sa_type=BigId)
    """The statement of reasons for the restriction in force (rejected, blocked, removed); no
    foreign key, since a statement refers to its comment."""


def toxicity_sort_key() -> ColumnElement[float]:
    """Queue order for "worst first": unscored comments (NULL) sort after every scored one. The
    constant is inlined so the query's expression matches the index's."""
    return func.coalesce(col(Comment.toxicity), literal_column("-1.0"))


# The reported queue in its "most reported first" order: reports descending, then oldest first,
# read straight off the index (an ascending index would sort each group of equal counts).
Index(
    "ix_comment_status_open_reports_desc_id",
    col(Comment.status),
    col(Comment.open_reports).desc(),
    col(Comment.id),
)

# The article page's other orders, read straight off an index: most liked (by rank) and most
# answered, each newest first among equals.
Index(
    "ix_comment_article_id_status_best_score_id",
    col(Comment.article_id),
    col(Comment.status),
    col(Comment.best_score).desc(),
    col(Comment.id).desc(),
)
Index(
    "ix_comment_article_id_status_published_replies_id",
    col(Comment.article_id),
    col(Comment.status),
    col(Comment.published_replies).desc(),
    col(Comment.id).desc(),
)
# An article's editors' picks (`?featured=true`): a few rows, indexed alone.
Index(
    "ix_comment_article_id_featured_id",
    col(Comment.article_id),
    col(Comment.id),
    postgresql_where=col(Comment.featured),
    sqlite_where=col(Comment.featured),
)

Index(
    "ix_comment_status_toxicity",
    col(Comment.status),
    toxicity_sort_key().desc(),
    col(Comment.id),
)


class CommentSort(StrEnum):
    """The article page's orders: `best` by rank (`Comment.best_score`), `replies` by
    published replies; newest first among equals."""

    NEWEST = "newest"
    OLDEST = "oldest"
    BEST = "best"
    REPLIES = "replies"


class ReactionKind(StrEnum):
    LIKE = "like"
    DISLIKE = "dislike"


class Reaction(SQLModel, table=True):
    """A reader's like or dislike of a comment: one per reader per comment."""

    __table_args__ = (
        # A reader's reactions: the export, an erasure, a ban.
        Index("ix_reaction_user_id_created_at", "user_id", "created_at"),
        # A comment's reaction timeline in the console.
        Index("ix_reaction_comment_id_created_at", "comment_id", "created_at"),
        # The reactions that do not rank, of the last minutes: the burst sweep.
        Index("ix_reaction_ranked_created_at", "ranked", "created_at"),
    )

    comment_id: int = Field(primary_key=True, foreign_key="comment.id", sa_type=BigId)
    user_id: int = Field(primary_key=True, foreign_key="user.id", sa_type=BigId)
    kind: ReactionKind = Field(sa_type=String(10))
    ranked: bool
    """Counted in the comment's `ranked_likes` or `ranked_dislikes`."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CommentRevision(SQLModel, table=True):
    """A body a comment had before its author edited it."""

    __tablename__ = "comment_revision"
    __table_args__ = (Index("ix_comment_revision_comment_id_id", "comment_id", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    comment_id: int = Field(foreign_key="comment.id", sa_type=BigId)
    body: str = Field(sa_type=Text)
    status: CommentStatus = Field(sa_type=String(20))
    created_at: datetime = Field(sa_type=UTCDateTime)
    """When this body was written (the comment's creation or its previous edit)."""


TALLY_SHARDS = 16
"""The site-wide queue counters are spread over this many rows, so concurrent writers seldom
wait for the same row lock; a count is the sum of its shards."""


class QueueTally(SQLModel, table=True):
    """How many comments are in each queue, site-wide: `Move.queue_deltas` applied at commit."""

    __tablename__ = "queue_tally"

    queue: Queue = Field(primary_key=True, sa_type=String(20))
    level: int = Field(primary_key=True, default=0)
    """The number of open reports for `reported`, 0 for the other queues."""
    shard: int = Field(primary_key=True, default=0)
    count: int = Field(default=0, sa_type=BigId)


class ArticleQueueTally(SQLModel, table=True):
    """The same counts for one article: its badges and the busiest articles."""

    __tablename__ = "article_queue_tally"

    article_id: str = Field(foreign_key="article.id", primary_key=True, max_length=128)
    queue: Queue = Field(primary_key=True, sa_type=String(20))
    level: int = Field(primary_key=True, default=0)
    count: int = Field(default=0, sa_type=BigId)


@dataclass(frozen=True)
class CommentWithAuthor:
    """A comment as lists show it: with its author's name, its published replies, and whether
    the comment it replies to is one the viewer may see (a reply to a hidden comment shows no
    parent, which would tell that the hidden one exists)."""

    comment: Comment
    author_name: str
    reply_count: int = 0
    parent_shown: bool = True
    my_reaction: ReactionKind | None = None
    """The viewer's own reaction to it (lists for a signed-in reader)."""
    author_badge: Badge | None = None
    pinned: bool = False
    """Pinned at the top of its article (listed first on the first page)."""
