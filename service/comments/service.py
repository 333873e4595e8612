"""Reading comments, the one place where a comment's status changes, and the facts about an
author and an article that the policy weighs."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Exists, and_, bindparam, exists, func, or_
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select, update
from sqlmodel.sql.expression import Select

from auth.models import User
from auth.users import can_moderate
from moderation.links import Link, find_links
from moderation.policy import CommentContext, History, PolicyConfig
from moderation.queues import Move, Standing
from moderation.redress import DELETED_BY_MODERATOR
from moderation.scoring.scorers import Scores
from moderation.statuses import DELETABLE, OWN_VISIBLE, CommentStatus
from service.abuse.service import forget_text
from service.articles.models import Article
from service.audit.service import record
from service.comments.errors import CommentNotFound, InvalidTransition
from service.comments.labels import forget_label, record_label
from service.comments.models import Comment, CommentRevision, CommentSort, CommentWithAuthor
from service.comments.reactions import my_reactions
from service.comments.tallies import count_move, standing_of
from service.core.db import in_written_order, table_of, utcnow
from service.core.errors import Forbidden
from service.core.pagination import Keyset, Page, SortKey
from service.mutes.service import muted_ids
from service.notifications.models import Notification, NotificationKind
from service.notifications.service import notify
from service.statements.service import state_comment_restriction

NEWEST_FIRST = Keyset[CommentWithAuthor](
    (SortKey(col(Comment.id), int, descending=True),), lambda row: [row.comment.id or 0]
)


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise CommentNotFound(comment_id)
    return comment


def visible_to(comment: Comment, user: User) -> bool:
    """Whether `user` may know this comment exists: none once deleted; else a published one,
    their own, or any for a moderator in good standing. Everyone else gets the answer a
    missing id gets."""
    if comment.status == CommentStatus.DELETED:
        return False
    if can_moderate(user):
        return True
    own = comment.author_id == user.id and comment.status in OWN_VISIBLE
    return comment.status == CommentStatus.PUBLISHED or own


def get_visible_comment(session: Session, comment_id: int, *, viewer: User) -> Comment:
    comment = get_comment(session, comment_id)
    if not visible_to(comment, viewer):
        raise CommentNotFound(comment_id)
    return comment


def with_author(session: Session, comment: Comment) -> CommentWithAuthor:
    author = session.get(User, comment.author_id)
    if author is None:
        return CommentWithAuthor(comment, "")
    return CommentWithAuthor(comment, author.display_name, author_badge=author.badge)


def _visible_clause(comment: Any, viewer_id: int | None) -> ColumnElement[bool]:
    """In SQL: published, or the viewer's own held or rejected comment."""
    visible = comment.status == CommentStatus.PUBLISHED
    if viewer_id is None:
        return visible  # type: ignore[no-any-return]
    own = and_(comment.author_id == viewer_id, comment.status.in_(OWN_VISIBLE))
    return or_(visible, own)


def _parent_shown(viewer_id: int | None) -> Exists:
    """A deleted parent is shown too when it is listed as a placeholder (`placeholders`)."""
    parent = aliased(Comment)
    placeholder = and_(
        col(parent.status) == CommentStatus.DELETED, col(parent.published_replies) > 0
    )
    shown = or_(_visible_clause(parent, viewer_id), placeholder)
    return exists().where(col(parent.id) == col(Comment.parent_id), shown).correlate(Comment)


ARTICLE_ORDERS: dict[CommentSort, Keyset[CommentWithAuthor]] = {
    CommentSort.NEWEST: NEWEST_FIRST,
    CommentSort.OLDEST: Keyset((SortKey(col(Comment.id), int),), lambda row: [row.comment.id or 0]),
    CommentSort.BEST: Keyset(
        (
            SortKey(col(Comment.best_score), float, descending=True),
            SortKey(col(Comment.id), int, descending=True),
        ),
        lambda row: [row.comment.best_score, row.comment.id or 0],
    ),
    CommentSort.REPLIES: Keyset(
        (
            SortKey(col(Comment.published_replies), int, descending=True, largest=2**31 - 1),
            SortKey(col(Comment.id), int, descending=True),
        ),
        lambda row: [row.comment.published_replies, row.comment.id or 0],
    ),
}
"""Each read off its own index (`ix_comment_article_id_status_*`), newest first among equals.
A cursor is the last comment's key: a comment whose counts did not change between two pages
is neither repeated nor skipped, whatever moved around it; one whose rank changed meanwhile
may move past the cursor (shown again, or not until a reload, as a new comment would be)."""


@dataclass(frozen=True)
class Listing:
    """What a reader asks an article page for, besides where it starts: the order, only the
    editors' picks, only the comments that start a conversation (the box opens each one's
    replies on its own, `replies_page`)."""

    sort: CommentSort = CommentSort.NEWEST
    featured_only: bool = False
    top_level: bool = False

    @property
    def key(self) -> str:
        """Tells apart the anonymous first pages of each listing in the page cache."""
        return f"{self.sort}-{int(self.featured_only)}-{int(self.top_level)}"


@dataclass(frozen=True, kw_only=True)
class PageQuery:
    """An article page's listing and whom it is for: the viewer (their own held and rejected
    comments too, and whose comments they muted), and a pinned comment that leads the first
    page instead of its place in the order."""

    article_id: str
    listing: Listing = Listing()
    viewer_id: int | None = None
    pinned_id: int | None = None
    muted: Sequence[int] = ()
    """Authors the viewer muted: their comments are left out."""


def article_page_queries(
    wanted: PageQuery, *, limit: int, cursor: str | None
) -> list[Select[Comment, User, int, bool]]:
    """The page's sources, each a range of one index in the page's order: the published
    comments (or the picks, a few), and the viewer's own held or rejected ones (few) when
    signed in."""
    listing = wanted.listing
    order = ARTICLE_ORDERS[listing.sort]
    shown = _listed(wanted.viewer_id).where(Comment.article_id == wanted.article_id)
    if wanted.pinned_id is not None:
        shown = shown.where(col(Comment.id) != wanted.pinned_id)
    if wanted.muted:
        shown = shown.where(col(Comment.author_id).not_in(wanted.muted))
    if listing.top_level:
        shown = shown.where(col(Comment.parent_id).is_(None))
    published = shown.where(col(Comment.status) == CommentStatus.PUBLISHED)
    if listing.featured_only:
        return [order.apply(published.where(col(Comment.featured)), limit=limit, cursor=cursor)]
    queries = [published]
    if wanted.viewer_id is not None:
        queries.append(
            shown.where(
                Comment.author_id == wanted.viewer_id,
                col(Comment.status).in_(sorted(OWN_VISIBLE)),
            )
        )
    return [order.apply(query, limit=limit, cursor=cursor) for query in queries]


def _listed(viewer_id: int | None) -> Select[Comment, User, int, bool]:
    """A comment as lists show it, with its author."""
    return select(Comment, User, col(Comment.published_replies), _parent_shown(viewer_id)).join(
        User, col(User.id) == Comment.author_id
    )


def _row(comment: Comment, author: User, replies: int, shown: bool) -> CommentWithAuthor:
    return CommentWithAuthor(
        comment, author.display_name, replies, shown, author_badge=author.badge
    )


def article_page(
    session: Session,
    *,
    article_id: str,
    viewer_id: int | None,
    limit: int,
    cursor: str | None,
    listing: Listing = Listing(),
) -> Page[CommentWithAuthor]:
    """The page in the order asked, with the placeholders of deleted comments that have
    replies in their place, so a conversation keeps its place when its first comment goes.
    Each source fetches a page and one more at most, they are merged, and `limit` holds for
    all together (the next page starts after the last one kept, whichever it was). The
    pinned comment, while published, leads the first page besides `limit` and is left out of
    its place in every order. A signed-in viewer's muted authors are left out (such pages are
    never the cached anonymous ones)."""
    order = ARTICLE_ORDERS[listing.sort]
    wanted = PageQuery(
        article_id=article_id,
        listing=listing,
        viewer_id=viewer_id,
        pinned_id=None if listing.featured_only else pinned_comment_of(session, article_id),
        muted=muted_ids(session, viewer_id) if viewer_id is not None else (),
    )
    queries = article_page_queries(wanted, limit=limit, cursor=cursor)
    rows = [_row(*row) for query in queries for row in session.exec(query).all()]
    if not listing.featured_only:
        rows += placeholders(
            session,
            article_id,
            cursor=cursor,
            limit=limit,
            viewer_id=viewer_id,
            sort=listing.sort,
            top_level=listing.top_level,
        )
    page = order.page(order.ordered(rows), limit)
    if cursor is None and wanted.pinned_id is not None:
        page = Page(_pinned(session, wanted) + page.items, page.next_cursor)
    return _with_my_reactions(session, page, viewer_id)


def _with_my_reactions(
    session: Session, page: Page[CommentWithAuthor], viewer_id: int | None
) -> Page[CommentWithAuthor]:
    if viewer_id is None:
        return page
    ids = [row.comment.id or 0 for row in page.items]
    mine = my_reactions(session, user_id=viewer_id, comment_ids=ids)
    if not mine:
        return page
    items = [replace(row, my_reaction=mine.get(row.comment.id or 0)) for row in page.items]
    return Page(items, page.next_cursor)


OLDEST_FIRST = ARTICLE_ORDERS[CommentSort.OLDEST]


def replies_page(
    session: Session, *, parent_id: int, viewer_id: int | None, limit: int, cursor: str | None
) -> Page[CommentWithAuthor]:
    """A comment's replies, oldest first (a conversation reads in order): the published ones
    and the viewer's own held or rejected ones, muted authors left out; one range of
    `ix_comment_parent_id_id` each. The comment must be one the viewer may see, or a deleted
    one still shown for its replies."""
    parent = get_comment(session, parent_id)
    shown_as_placeholder = parent.status == CommentStatus.DELETED and parent.published_replies > 0
    viewer = session.get(User, viewer_id) if viewer_id is not None else None
    visible = parent.status == CommentStatus.PUBLISHED or (
        viewer is not None and visible_to(parent, viewer)
    )
    if not (visible or shown_as_placeholder):
        raise CommentNotFound(parent_id)
    replies = _listed(viewer_id).where(col(Comment.parent_id) == parent_id)
    if viewer_id is not None and (muted := muted_ids(session, viewer_id)):
        replies = replies.where(col(Comment.author_id).not_in(muted))
    queries = [replies.where(col(Comment.status) == CommentStatus.PUBLISHED)]
    if viewer_id is not None:
        queries.append(
            replies.where(
                Comment.author_id == viewer_id, col(Comment.status).in_(sorted(OWN_VISIBLE))
            )
        )
    rows = [
        _row(*row)
        for query in queries
        for row in session.exec(OLDEST_FIRST.apply(query, limit=limit, cursor=cursor)).all()
    ]
    page = OLDEST_FIRST.page(OLDEST_FIRST.ordered(rows), limit)
    return _with_my_reactions(session, page, viewer_id)


def pinned_comment_of(session: Session, article_id: str) -> int | None:
    return session.exec(
        select(Article.pinned_comment_id).where(Article.id == article_id)
    ).one_or_none()


def _pinned(session: Session, wanted: PageQuery) -> list[CommentWithAuthor]:
    """The pinned comment as lists show it, while it is published (a primary-key read)."""
    query = _listed(wanted.viewer_id).where(
        col(Comment.id) == wanted.pinned_id, col(Comment.status) == CommentStatus.PUBLISHED
    )
    if wanted.muted:
        query = query.where(col(Comment.author_id).not_in(wanted.muted))
    return [replace(_row(*row), pinned=True) for row in session.exec(query).all()]


def placeholders(
    session: Session,
    article_id: str,
    *,
    cursor: str | None,
    limit: int,
    viewer_id: int | None,
    sort: CommentSort = CommentSort.NEWEST,
    top_level: bool = False,
) -> list[CommentWithAuthor]:
    """Deleted comments of the article with a published reply, after `cursor` in the page's
    order, a page and one more at most: one range of the order's index."""
    query = select(Comment, col(Comment.published_replies), _parent_shown(viewer_id)).where(
        Comment.article_id == article_id,
        col(Comment.status) == CommentStatus.DELETED,
        col(Comment.published_replies) > 0,
    )
    if top_level:
        query = query.where(col(Comment.parent_id).is_(None))
    query = ARTICLE_ORDERS[sort].apply(query, limit=limit, cursor=cursor)
    return [
        CommentWithAuthor(comment, "", replies, shown)
        for comment, replies, shown in session.exec(query).all()
    ]


def own_comments(
    session: Session, *, author: User, limit: int, cursor: str | None
) -> Page[CommentWithAuthor]:
    """The author's comments on every article, newest first, deleted ones left out."""
    query = select(Comment, col(Comment.published_replies), _parent_shown(author.id)).where(
        Comment.author_id == author.id, col(Comment.status) != CommentStatus.DELETED
    )
    query = NEWEST_FIRST.apply(query, limit=limit, cursor=cursor)
    rows = [
        CommentWithAuthor(comment, author.display_name, replies, shown)
        for comment, replies, shown in session.exec(query).all()
    ]
    return NEWEST_FIRST.page(rows, limit)


def count_author_published(
    session: Session, author_id: int, *, excluding: int | None, up_to: int
) -> int:
    """How many of an author's comments are published, counted no further than `up_to`: the
    new-commenter rule only asks whether an author reached its number (0: no query at all),
    and a prolific author's history is not scanned on every post."""
    if up_to <= 0:
        return 0
    published = select(col(Comment.id)).where(
        Comment.author_id == author_id, col(Comment.status) == CommentStatus.PUBLISHED
    )
    if excluding is not None:
        published = published.where(col(Comment.id) != excluding)
    return session.exec(select(func.count()).select_from(published.limit(up_to).subquery())).one()


def count_author_by_status(session: Session, author_id: int) -> dict[str, int]:
    rows = session.exec(
        select(Comment.status, func.count())
        .where(Comment.author_id == author_id)
        .group_by(col(Comment.status))
    ).all()
    return {str(status): count for status, count in rows}


def change_status(
    session: Session,
    comment: Comment,
    to_status: CommentStatus,
    *,
    reason: str,
    actor_id: int | None = None,
    note: str | None = None,
    action: str = "status_change",
    unchanged: Mapping[str, Any] | None = None,
    legal_ground: str | None = None,
    **fields: Any,
) -> None:
    """Moves a comment from the status it was read with and writes the audit row, atomically.

    The update only matches while the status (and the `unchanged` columns, e.g. an edit's
    `edited_at`) still hold what was read, so of two moderators (or a moderator and the
    re-scoring sweep, or two edits) acting at once, exactly one wins; the other gets 409.
    """
    assert comment.id is not None
    from_status = comment.status
    before = standing_of(comment)
    # The standing read is the one replaced (a report in between is a change too), so the
    # counters move by exactly what the database did.
    unchanged = {
        "status_reason": before.reason,
        "open_reports": before.open_reports,
        "edited_at": comment.edited_at,  # a decision is on the text that was read
        **(unchanged or {}),
    }
    still = [col(getattr(Comment, name)) == value for name, value in unchanged.items()]
    written = {"status": to_status, "status_reason": reason, **fields}
    result = session.execute(
        update(Comment)
        .where(col(Comment.id) == comment.id, col(Comment.status) == from_status, *still)
        .values(**written)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if comment in session:
            session.expire(comment)
        raise InvalidTransition(
            f"Comment {comment.id} changed while you were deciding; reload it and try again."
        )
    for name, value in written.items():
        # Tracked like any change, so a rolled-back savepoint (bulk decisions) expires it again.
        setattr(comment, name, value)
    move = Move(before, standing_of(comment), rewritten="body" in fields)
    count_move(
        session, comment.article_id, move, parent_id=comment.parent_id, comment_id=comment.id
    )
    if "body" in fields:
        forget_label(session, comment.id)
    elif actor_id is not None and actor_id != comment.author_id:
        record_label(
            session,
            comment,
            from_status=from_status,
            reason=reason,
            open_reports=before.open_reports,
        )
    record(
        session,
        action=action,
        reason=reason,
        actor_id=actor_id,
        comment=comment,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    tell_author(session, comment, before=before, actor_id=actor_id, legal_ground=legal_ground)


def tell_author(
    session: Session,
    comment: Comment,
    *,
    before: Standing | None,
    actor_id: int | None,
    legal_ground: str | None = None,
) -> None:
    """After a comment is written or moves: a statement of reasons when it is restricted (the
    comment then links to it, until it is published again), a notification when a moderator
    approves it, and one to the author it replies to when it appears."""
    statement = state_comment_restriction(
        session,
        comment,
        to_status=comment.status,
        reason=comment.status_reason or "",
        actor_id=actor_id,
        earlier_reason=before.reason if before else None,
        open_reports=before.open_reports if before else 0,
        legal_ground=legal_ground,
    )
    linked = statement.id if statement is not None else None
    if linked is not None or (comment.statement_id is not None and comment.status in UNRESTRICTED):
        _link_statement(session, comment, linked)
    if comment.status != CommentStatus.PUBLISHED or (before is not None and before.published):
        return
    approved = before is not None and before.status == CommentStatus.HELD
    if approved and actor_id not in (None, comment.author_id):
        notify(
            session,
            user_id=comment.author_id,
            kind=NotificationKind.COMMENT_APPROVED,
            message="A moderator approved your comment; it is now published.",
            comment_id=comment.id,
        )
    notify_reply(session, comment)


UNRESTRICTED = frozenset({CommentStatus.PUBLISHED, CommentStatus.HELD})


def _link_statement(session: Session, comment: Comment, statement_id: int | None) -> None:
    session.execute(
        update(Comment)
        .where(col(Comment.id) == comment.id)
        .values(statement_id=statement_id)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(comment, "statement_id", statement_id)


def notify_reply(session: Session, reply: Comment) -> None:
    """A reply appearing tells the author of the comment it answers (not themselves), once:
    a reply taken down and published again (by an appeal, say) is not news twice."""
    if reply.parent_id is None or reply.status != CommentStatus.PUBLISHED:
        return
    parent_author = session.exec(
        select(Comment.author_id).where(col(Comment.id) == reply.parent_id)
    ).first()
    if parent_author is None or parent_author == reply.author_id:
        return
    told = session.exec(
        select(Notification.detail).where(
            Notification.user_id == parent_author,
            Notification.comment_id == reply.parent_id,
            Notification.kind == NotificationKind.REPLY,
        )
    )
    if any(detail and detail.get("reply_id") == reply.id for detail in told):
        return
    notify(
        session,
        user_id=parent_author,
        kind=NotificationKind.REPLY,
        message="Someone replied to your comment.",
        comment_id=reply.parent_id,
        reply_id=reply.id,
    )


def scored_fields(scores: Scores | None, model_id: str) -> dict[str, Any]:
    """The comment's columns for its scores; an unscored comment names no model."""
    if scores is None:
        return {"scores": None, "toxicity": None, "model_id": None}
    return {"scores": scores, "toxicity": scores.get("toxicity"), "model_id": model_id}


@dataclass(frozen=True)
class PolicyFacts:
    """What the policy weighs besides the text and its scores."""

    author_published_count: int
    author_premoderated: bool
    article_premoderated: bool
    author_history: History | None = None
    links: tuple[Link, ...] = ()
    """The links of the text the facts were read for."""

    def context(self, text: str, scores: Scores | None) -> CommentContext:
        return CommentContext(
            text=text,
            scores=scores,
            author_published_count=self.author_published_count,
            author_premoderated=self.author_premoderated,
            article_premoderated=self.article_premoderated,
            links=self.links,
            author_history=self.author_history,
        )


def policy_facts(
    session: Session,
    *,
    policy: PolicyConfig,
    author: User,
    article: Article | None,
    excluding: int | None,
    text: str,
) -> PolicyFacts:
    """Read for a new comment, an edit (`excluding` the comment edited) or a re-scored one.
    Each read only when a phase will ask: the author's published comments are counted for the
    new-commenter rule, or for a link; the history's published comments often answer that."""
    assert author.id is not None
    links = tuple(find_links(text))
    history = None
    if policy.history is not None and not can_moderate(author):
        history = author_history(session, author.id, days=policy.history.days)
    needed = policy.published_needed if links else policy.new_commenter_comments
    if needed <= 0:
        published = 0
    elif history is not None and excluding is None and history.published >= needed:
        published = needed  # enough to know: the rules only ask whether it reached `needed`
    else:
        published = count_author_published(session, author.id, excluding=excluding, up_to=needed)
    return PolicyFacts(
        author_published_count=published,
        author_premoderated=author.premoderated,
        article_premoderated=article is not None and article.premoderated,
        author_history=history,
        links=links,
    )


DELETED_AFTER_REJECTION = "deleted_after_rejection"
"""An author deleting their rejected comment: it still counts as rejected in their history."""


_COMMENTS = table_of(Comment)
_DECIDED = (
    core_select(_COMMENTS.c.status, _COMMENTS.c.status_reason, func.count())
    .where(
        _COMMENTS.c.author_id == bindparam("author_id"),
        _COMMENTS.c.created_at >= bindparam("since"),
        _COMMENTS.c.status.in_(
            [CommentStatus.PUBLISHED, CommentStatus.REJECTED, CommentStatus.DELETED]
        ),
    )
    .group_by(_COMMENTS.c.status, _COMMENTS.c.status_reason)
)
"""Built once, on the table: it runs on every post while the history phase is on."""


def author_history(session: Session, author_id: int, *, days: int) -> History:
    """The author's comments of the last `days` that were decided: published, or rejected
    (automatically or by a moderator) or removed, read off `ix_comment_author_id_created_at`."""
    rows = session.execute(
        _DECIDED, {"author_id": author_id, "since": utcnow() - timedelta(days=days)}
    ).all()
    published = rejected = 0
    for status, reason, count in rows:
        if status == CommentStatus.PUBLISHED:
            published += count
        elif status == CommentStatus.REJECTED or reason in (
            DELETED_BY_MODERATOR,
            DELETED_AFTER_REJECTION,
        ):
            rejected += count
    return History(decided=published + rejected, rejected=rejected)


def delete_comment(session: Session, *, comment_id: int, user: User) -> None:
    """By its author, or by a moderator; audited either way."""
    comment = get_visible_comment(session, comment_id, viewer=user)
    is_author = comment.author_id == user.id
    if not (is_author or can_moderate(user)):
        raise Forbidden("Only the author or a moderator can delete this comment.")
    if comment.status not in DELETABLE:
        raise InvalidTransition(f"Comment {comment_id} cannot be deleted now.")
    if comment.status == CommentStatus.BLOCKED and not is_author:
        raise InvalidTransition(
            f"Comment {comment_id} is under a temporary measure: decide its notice instead "
            "(POST /v1/admin/notices/{reference}/decision)."
        )
    rejected = comment.status == CommentStatus.REJECTED
    if is_author:
        reason = DELETED_AFTER_REJECTION if rejected else "deleted_by_author"
    else:
        reason = DELETED_BY_MODERATOR
    change_status(session, comment, CommentStatus.DELETED, reason=reason, actor_id=user.id)
    if not rejected:  # rejected spam is not posted again by deleting it
        forget_text(session, comment_id)


def revisions_of(session: Session, comment_id: int) -> list[CommentRevision]:
    """The bodies a comment had before its edits, oldest first."""
    return in_written_order(session, CommentRevision, CommentRevision.comment_id == comment_id)
