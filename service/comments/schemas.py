"""What the API accepts and returns for comments, for readers and for moderators."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from auth.models import ERASED_NAME, Badge, User
from moderation.statuses import CommentStatus
from service.comments.models import Comment, CommentWithAuthor, ReactionKind
from service.comments.reactions import ReactionState
from service.comments.top import ArticleActivity, TopWindow
from service.core.pagination import Page
from service.core.schemas import JsonId, Schema

MAX_RAW_BODY = 20_000
"""Far above 250 characters of any script; stops megabyte bodies before the text rules run."""


class CommentCreate(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_RAW_BODY)
    """At most 250 characters as a reader counts them (see `comment_too_long`)."""
    parent_id: JsonId | None = None
    acknowledge_toxicity: StrictBool = False
    """Post anyway after the toxicity warning (`toxic_comment`); the comment is held."""


class CommentEdit(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_RAW_BODY)
    acknowledge_toxicity: StrictBool = False


class AuthorPublic(Schema):
    id: int | None
    """None for a deleted account: nothing links to a profile."""
    display_name: str
    """Empty for a deleted account (the box shows "Deleted account")."""
    deleted: bool = False
    """The account was deleted by its owner (`DELETE /v1/me`), or erased on their request."""
    badge: Badge | None = None
    """`staff` or `journalist`: one of the newsroom's own people, as its admins marked them."""

    @classmethod
    def of(
        cls,
        author_id: int,
        display_name: str,
        *,
        to_moderators: bool,
        badge: Badge | None = None,
    ) -> "AuthorPublic":
        """Moderators keep a deleted account's id: the pseudonym its records use."""
        if display_name == ERASED_NAME:
            return cls(id=author_id if to_moderators else None, display_name="", deleted=True)
        return cls(id=author_id, display_name=display_name, badge=badge)


class CommentPublic(Schema):
    id: int
    article_id: str
    parent_id: int | None
    author: AuthorPublic
    body: str
    status: CommentStatus
    status_reason: str | None = None
    """Shown to the author of a held or rejected comment (and to moderators)."""
    statement_id: int | None = None
    """To the author of a restricted comment: its statement of reasons
    (`GET /v1/me/statements/{id}`), which says how to appeal."""
    reply_count: int = 0
    likes: int = 0
    dislikes: int = 0
    my_reaction: ReactionKind | None = None
    """The signed-in reader's own reaction (null for an anonymous reader, or none)."""
    featured: bool = False
    """An editors' pick."""
    pinned: bool = False
    """Pinned by the moderators at the top of the article (it leads the first page)."""
    created_at: datetime
    edited_at: datetime | None = None

    @classmethod
    def for_viewer(cls, row: CommentWithAuthor, viewer_id: int | None) -> "CommentPublic":
        """A comment as readers see it; why it is held or rejected, only to its author."""
        comment = row.comment
        own = viewer_id is not None and comment.author_id == viewer_id
        if comment.status == CommentStatus.DELETED:
            return cls(**_placeholder(row))
        return cls(**_shown(row, with_reason=own and comment.status != CommentStatus.PUBLISHED))

    @classmethod
    def for_author(cls, comment: Comment, author: User) -> "CommentPublic":
        """The answer to the author who just wrote or edited it."""
        return cls.for_viewer(CommentWithAuthor(comment, author.display_name), author.id)


def _shown(
    row: CommentWithAuthor, *, with_reason: bool, to_moderators: bool = False
) -> dict[str, Any]:
    comment = row.comment
    assert comment.id is not None
    return {
        "id": comment.id,
        "article_id": comment.article_id,
        "parent_id": comment.parent_id if row.parent_shown else None,
        "author": AuthorPublic.of(
            comment.author_id,
            row.author_name,
            to_moderators=to_moderators,
            badge=row.author_badge,
        ),
        "body": comment.body,
        "status": comment.status,
        "status_reason": comment.status_reason if with_reason else None,
        "statement_id": comment.statement_id if with_reason else None,
        "reply_count": row.reply_count,
        "likes": comment.likes,
        "dislikes": comment.dislikes,
        "my_reaction": row.my_reaction,
        "featured": comment.featured,
        "pinned": row.pinned,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
    }


def _placeholder(row: CommentWithAuthor) -> dict[str, Any]:
    """A deleted comment that has replies: listed where it was, so the conversation under it
    still reads, with nothing of what it said or who said it."""
    comment = row.comment
    return {
        "id": comment.id,
        "article_id": comment.article_id,
        "parent_id": comment.parent_id if row.parent_shown else None,
        "author": AuthorPublic(id=None, display_name="", deleted=True),
        "body": "",
        "status": CommentStatus.DELETED,
        "reply_count": row.reply_count,
        "created_at": comment.created_at,
    }


class CommentPage(Schema):
    items: list[CommentPublic]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[CommentWithAuthor], viewer_id: int | None) -> "CommentPage":
        """A page as `viewer_id` may see it (None: an anonymous reader)."""
        return cls(
            items=[CommentPublic.for_viewer(row, viewer_id) for row in page.items],
            next_cursor=page.next_cursor,
        )


class ReactionPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ReactionKind


class ReactionPublic(Schema):
    """The comment's counts after the change, and the reader's reaction now."""

    comment_id: int
    likes: int
    dislikes: int
    my_reaction: ReactionKind | None

    @classmethod
    def of(cls, state: ReactionState) -> "ReactionPublic":
        return cls(
            comment_id=state.comment_id,
            likes=state.likes,
            dislikes=state.dislikes,
            my_reaction=state.my_reaction,
        )


class ArticleActivityPublic(Schema):
    article_id: str
    url: str | None
    title: str | None
    comments: int
    """Published comments written in the window."""
    total: int
    """Published comments in all."""


class TopArticles(Schema):
    window: TopWindow
    items: list[ArticleActivityPublic]

    @classmethod
    def of(cls, window: TopWindow, rows: list[ArticleActivity]) -> "TopArticles":
        items = [ArticleActivityPublic.model_validate(row, from_attributes=True) for row in rows]
        return cls(window=window, items=items)


class CommentCount(Schema):
    article_id: str
    count: int


class CommentAdmin(CommentPublic):
    """A comment as moderators see it: with the model's scores and why it has its status."""

    scores: dict[str, float] | None
    toxicity: float | None
    model_id: str | None
    open_reports: int

    @classmethod
    def of(cls, row: CommentWithAuthor) -> "CommentAdmin":
        comment = row.comment
        return cls(
            **_shown(row, with_reason=True, to_moderators=True),
            scores=comment.scores,
            toxicity=comment.toxicity,
            model_id=comment.model_id,
            open_reports=comment.open_reports,
        )


class CommentAdminPage(Schema):
    items: list[CommentAdmin]
    next_cursor: str | None


class RevisionPublic(Schema):
    body: str
    status: CommentStatus
    created_at: datetime
