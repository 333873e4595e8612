"""Counters kept in the transaction that moves a comment: each article's published count and
version, and the queue tallies (per article, and site-wide in shards). Reading a count is then
one row, or a few, at any number of comments.

Moves are gathered while the transaction works and written once, just before it commits, in
one fixed order (articles, their tallies, the site-wide shards; each sorted by key): concurrent
transactions never wait on each other in a cycle, and hold the counter rows only for the
commit. A savepoint that rolls back takes its moves with it. `commentmod counters check`
recomputes everything from the comments (`drift`) and `repair` rewrites it."""

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy
from sqlalchemy import bindparam, case, delete, event, func, text, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction, aliased
from sqlmodel import Session, col, select

from moderation.queues import Move, Queue, Standing
from moderation.statuses import CommentStatus
from service.articles.models import Article
from service.comments.models import TALLY_SHARDS, ArticleQueueTally, Comment, QueueTally
from service.core.db import add_to_counters, table_of
from service.live.events import (
    COUNT,
    CREATED,
    MODERATION,
    QUEUES,
    UPDATED,
    LiveEvent,
    announce,
)

_MOVES = "comment_moves"
_SAVEPOINTS = "comment_move_savepoints"
CHANGED_ARTICLES = "changed_articles"
"""`session.info` key: the articles whose public pages a committed transaction changed."""


def count_move(
    session: Session,
    article_id: str,
    move: Move,
    *,
    parent_id: int | None = None,
    comment_id: int | None = None,
) -> None:
    """Counts a comment's move in the transaction that makes it (written at commit); a reply
    names its parent, whose count of published replies moves with it; a move that names its
    comment is announced to the article's live streams when readers see it."""
    session.info.setdefault(_MOVES, []).append((article_id, move, parent_id, comment_id))


def show_changed(session: Session, *article_ids: str) -> None:
    """A change readers see that moves no counter (likes, a pick, a pin): the articles' cached
    pages are versioned anew."""
    session.execute(
        update(Article)
        .where(col(Article.id).in_(sorted(set(article_ids))))
        .values(version=Article.version + 1)
    )
    session.info.setdefault(CHANGED_ARTICLES, set()).update(article_ids)


def count_new(session: Session, comment: Comment) -> None:
    count_move(
        session,
        comment.article_id,
        Move(None, standing_of(comment)),
        parent_id=comment.parent_id,
        comment_id=comment.id,
    )


def standing_of(comment: Comment) -> Standing:
    return Standing(comment.status, comment.status_reason, comment.open_reports)


@event.listens_for(OrmSession, "after_transaction_create")
def _mark_savepoint(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks = session.info.setdefault(_SAVEPOINTS, {})
        marks[id(transaction)] = len(session.info.get(_MOVES, ()))


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_rolled_back(session: OrmSession, transaction: SessionTransaction) -> None:
    moves: list[Any] = session.info.get(_MOVES, [])
    if transaction.nested:
        del moves[session.info.get(_SAVEPOINTS, {}).pop(id(transaction), len(moves)) :]
    elif transaction.parent is None:
        moves.clear()


@event.listens_for(OrmSession, "before_commit")
def _write_moves(session: OrmSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's moves are written with the outer transaction
    moves = session.info.pop(_MOVES, None)
    session.info.pop(_SAVEPOINTS, None)
    if moves:
        assert isinstance(session, Session)
        session.flush()  # the rows first: the counters' row locks are the last thing taken
        session.info.setdefault(CHANGED_ARTICLES, set()).update(write_moves(session, moves))


_ARTICLES = table_of(Article)
_MOVE_ARTICLE = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article"))
    .values(
        published_count=_ARTICLES.c.published_count + bindparam("delta"),
        version=_ARTICLES.c.version + bindparam("bump"),
    )
)
"""Run with every comment stored, so built once."""

_COMMENTS = table_of(Comment)
_MOVE_REPLIES = (
    update(_COMMENTS)
    .where(_COMMENTS.c.id == bindparam("parent"))
    .values(published_replies=_COMMENTS.c.published_replies + bindparam("delta"))
)


@dataclass
class _ArticleChange:
    published: int = 0
    bumped: bool = False
    queues: Counter[tuple[Queue, int]] = field(default_factory=Counter)


def write_moves(
    session: Session, moves: Iterable[tuple[str, Move, int | None, int | None]]
) -> set[str]:
    """Applies the moves to the counters; returns the articles whose public view changed.
    The parents' rows first (comment rows before counter rows, as every writer takes them).
    What readers see change is announced to the live streams, with the new counts."""
    articles: dict[str, _ArticleChange] = defaultdict(_ArticleChange)
    site: Counter[tuple[Queue, int]] = Counter()
    replies: Counter[int] = Counter()
    events: list[LiveEvent] = []
    for article_id, move, parent_id, comment_id in moves:
        if parent_id is not None:
            replies[parent_id] += move.published_delta
        if comment_id is not None and move.public_change:
            name = CREATED if move.published_delta > 0 else UPDATED
            events.append(LiveEvent(article_id, name, {"id": comment_id, "parent_id": parent_id}))
        change = articles[article_id]
        change.published += move.published_delta
        change.bumped = change.bumped or move.public_change
        deltas = move.queue_deltas()
        change.queues.update(deltas)
        site.update(deltas)
    parents = [{"parent": p, "delta": d} for p, d in sorted(replies.items()) if d]
    if parents:
        session.execute(_MOVE_REPLIES, parents[0] if len(parents) == 1 else parents)
    touched = [
        {"article": article_id, "delta": change.published, "bump": int(change.bumped)}
        for article_id, change in sorted(articles.items())
        if change.published or change.bumped
    ]
    if touched:
        # one article: no executemany
        session.execute(_MOVE_ARTICLE, touched[0] if len(touched) == 1 else touched)
    per_article = [
        {"article_id": article_id, "queue": queue, "level": level, "count": delta}
        for article_id, change in sorted(articles.items())
        for (queue, level), delta in sorted(change.queues.items())
        if delta
    ]
    add_to_counters(session, ArticleQueueTally, per_article)
    shard = random.randrange(TALLY_SHARDS)  # noqa: S311 (spreads load, guards nothing)
    # one shard per transaction, so its rows are locked in one order
    add_to_counters(
        session,
        QueueTally,
        [
            {"queue": queue, "level": level, "shard": shard, "count": delta}
            for (queue, level), delta in sorted(site.items())
            if delta
        ],
    )
    counted = sorted(a for a, c in articles.items() if c.published)
    if counted:
        rows = session.exec(
            select(Article.id, Article.published_count).where(col(Article.id).in_(counted))
        ).all()
        events += [LiveEvent(a, COUNT, {"count": n}) for a, n in rows]
    if any(site.values()):
        events.append(LiveEvent(MODERATION, QUEUES, {}))
    announce(session, events)
    return {a for a, c in articles.items() if c.bumped}


def queue_counts(
    session: Session, *, report_threshold: int, article_id: str | None
) -> dict[Queue, int]:
    """Every queue's size, site-wide or for one article, from the counters."""
    table: Any = QueueTally if article_id is None else ArticleQueueTally
    query = (
        select(table.queue, func.sum(table.count))
        .where((table.queue != Queue.REPORTED) | (table.level >= report_threshold))
        .group_by(table.queue)
    )
    if article_id is not None:
        query = query.where(table.article_id == article_id)
    counts = {Queue(queue): int(total) for queue, total in session.exec(query).all()}
    return {queue: counts.get(queue, 0) for queue in Queue}


@dataclass(frozen=True)
class ArticleWaiting:
    article_id: str
    held: int
    reported: int


def busiest_articles(
    session: Session, *, report_threshold: int, limit: int = 50
) -> list[ArticleWaiting]:
    """The articles with the most comments waiting (held, or reported past the threshold):
    read from the article tallies, one row per article, queue and level with comments."""
    tally = ArticleQueueTally
    waiting = (col(tally.queue) == Queue.HELD) | (
        (col(tally.queue) == Queue.REPORTED) & (col(tally.level) >= report_threshold)
    )
    held_sum = func.sum(case((col(tally.queue) == Queue.HELD, col(tally.count)), else_=0))
    reported_sum = func.sum(case((col(tally.queue) == Queue.REPORTED, col(tally.count)), else_=0))
    rows = session.exec(
        select(tally.article_id, held_sum, reported_sum)
        .where(waiting, col(tally.count) > 0)
        .group_by(col(tally.article_id))
        .order_by((held_sum + reported_sum).desc(), col(tally.article_id))
        .limit(limit)
    ).all()
    return [ArticleWaiting(article, int(h), int(r)) for article, h, r in rows]


@dataclass(frozen=True)
class Counts:
    """Every counter, as stored or as recomputed from the comments."""

    published: dict[str, int]
    article_queues: dict[tuple[str, Queue, int], int]
    site_queues: dict[tuple[Queue, int], int]

    def differences(self, other: "Counts") -> list[str]:
        """What differs from `other` (the truth), in words, for the maintenance command."""
        found = []
        tables: list[tuple[str, Mapping[Any, int], Mapping[Any, int]]] = [
            ("published count of article", self.published, other.published),
            ("queue count of (article, queue, reports)", self.article_queues, other.article_queues),
            ("site-wide queue count of (queue, reports)", self.site_queues, other.site_queues),
        ]
        for name, mine, truth in tables:
            for key in sorted(set(mine) | set(truth), key=str):
                stored, counted = mine.get(key, 0), truth.get(key, 0)
                if stored != counted:
                    found.append(f"{name} {key}: stored {stored}, counted {counted}")
        return found


def stored_counts(session: Session) -> Counts:
    published = session.exec(select(Article.id, Article.published_count)).all()
    article_rows = session.exec(
        select(
            ArticleQueueTally.article_id,
            ArticleQueueTally.queue,
            ArticleQueueTally.level,
            ArticleQueueTally.count,
        )
    ).all()
    site_rows = session.exec(
        select(QueueTally.queue, QueueTally.level, func.sum(QueueTally.count)).group_by(
            col(QueueTally.queue), col(QueueTally.level)
        )
    ).all()
    return Counts(
        published={article: count for article, count in published if count},
        article_queues={(a, Queue(q), lv): c for a, q, lv, c in article_rows if c},
        site_queues={(Queue(q), lv): int(c) for q, lv, c in site_rows if c},
    )


def counted_from_comments(session: Session) -> Counts:
    """The counters recomputed from the comments themselves, by the same domain rule."""
    groups = session.execute(
        sqlalchemy.select(
            col(Comment.article_id),
            col(Comment.status),
            col(Comment.status_reason),
            col(Comment.open_reports),
            func.count(),
        )
        .where(
            col(Comment.status).in_(
                [CommentStatus.PUBLISHED, CommentStatus.HELD, CommentStatus.REJECTED]
            )
        )
        .group_by(
            col(Comment.article_id),
            col(Comment.status),
            col(Comment.status_reason),
            col(Comment.open_reports),
        )
    ).all()
    published: Counter[str] = Counter()
    article_queues: Counter[tuple[str, Queue, int]] = Counter()
    site_queues: Counter[tuple[Queue, int]] = Counter()
    for article_id, status, reason, open_reports, count in groups:
        standing = Standing(CommentStatus(status), reason, open_reports)
        if standing.published:
            published[article_id] += count
        for queue, level in standing.marks():
            article_queues[(article_id, queue, level)] += count
            site_queues[(queue, level)] += count
    return Counts(dict(published), dict(article_queues), dict(site_queues))


def _published_replies() -> Any:
    """A comment's published replies, counted (a correlated subquery)."""
    reply = aliased(Comment)
    return (
        select(func.count())
        .where(col(reply.parent_id) == Comment.id, col(reply.status) == CommentStatus.PUBLISHED)
        .correlate(Comment)
        .scalar_subquery()
    )


def reply_drift(session: Session) -> list[str]:
    counted = _published_replies()
    rows = session.exec(
        select(Comment.id, Comment.published_replies, counted)
        .where(col(Comment.published_replies) != counted)
        .order_by(col(Comment.id))
    ).all()
    return [f"published replies of comment {c}: stored {n}, counted {k}" for c, n, k in rows]


def recount_replies(session: Session, parent_ids: Iterable[int] | None = None) -> None:
    """Sets the parents' counts of published replies from their replies (all comments' when
    None): after a bulk load that wrote rows without moves."""
    counted = _published_replies()
    query = update(Comment).where(col(Comment.published_replies) != counted)
    if parent_ids is not None:
        wanted = sorted(set(parent_ids))
        if not wanted:
            return
        query = query.where(col(Comment.id).in_(wanted))
    session.execute(
        query.values(published_replies=counted).execution_options(synchronize_session=False)
    )


def drift(session: Session) -> list[str]:
    """Where the stored counters disagree with the comments (empty: none)."""
    found = stored_counts(session).differences(counted_from_comments(session))
    return found + reply_drift(session)


def repair(session: Session) -> list[str]:
    """Rewrites every counter from the comments and returns what was wrong. On PostgreSQL the
    comments are locked against writes (not reads) meanwhile, so no move slips between the
    count and the write."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE comment IN SHARE MODE"))
    truth = counted_from_comments(session)
    found = stored_counts(session).differences(truth)
    replies = reply_drift(session)
    if replies:
        recount_replies(session)
    if not found:
        return replies
    session.execute(update(Article).values(published_count=0))
    if truth.published:
        table = _ARTICLES
        session.execute(
            update(table)
            .where(table.c.id == bindparam("article"))
            .values(published_count=bindparam("count")),
            [{"article": a, "count": n} for a, n in sorted(truth.published.items())],
        )
    session.execute(delete(ArticleQueueTally))
    session.execute(delete(QueueTally))
    add_to_counters(
        session,
        ArticleQueueTally,
        [
            {"article_id": a, "queue": q, "level": lv, "count": c}
            for (a, q, lv), c in sorted(truth.article_queues.items())
        ],
    )
    add_to_counters(
        session,
        QueueTally,
        [
            {"queue": q, "level": lv, "shard": 0, "count": c}
            for (q, lv), c in sorted(truth.site_queues.items())
        ],
    )
    return found + replies
