"""Likes and dislikes: one per reader per comment, counted on the comment in the transaction
that makes or takes it back (lists read the counts off the comment row, as they read reply
counts), under a daily cap per reader.

The comment row is locked for the change (`FOR NO KEY UPDATE`: replies and reports may still
refer to it meanwhile), so the same reader reacting from two tabs at once counts once and the
counts never drift from the reactions. `ranked_likes` and `ranked_dislikes` count only what
may rank a comment: not reactions from accounts younger than the site's setting when they
reacted, nor from accounts banned since (`stop_ranking`); `best_score`, the comment's rank
in "best first", moves with them."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, func, update
from sqlmodel import Session, col, select

from auth.models import User
from auth.users import can_moderate, ensure_can_post
from moderation.ranking import wilson_lower_bound
from moderation.statuses import CommentStatus
from service.abuse.service import Cap, SiteDay, take_caps
from service.comments.errors import CommentNotFound
from service.comments.locks import locked_comment
from service.comments.models import Comment, Reaction, ReactionKind
from service.comments.tallies import show_changed
from service.core.db import table_of, utcnow
from service.core.errors import Forbidden
from service.policy.schemas import ModerationSettings


class OwnComment(Forbidden):
    """Readers react to others' comments, not to their own."""

    code = "own_comment"


@dataclass(frozen=True)
class ReactionState:
    comment_id: int
    likes: int
    dislikes: int
    my_reaction: ReactionKind | None


_COMMENTS = table_of(Comment)
_COUNTS = {
    ReactionKind.LIKE: ("likes", "ranked_likes"),
    ReactionKind.DISLIKE: ("dislikes", "ranked_dislikes"),
}


def react(
    session: Session,
    *,
    comment_id: int,
    reader: User,
    kind: ReactionKind,
    settings: ModerationSettings,
    zone: str,
) -> ReactionState:
    """Likes or dislikes the comment; reacting the same way again changes nothing, the other
    way changes the reaction (neither takes a place under the daily cap again; two tabs
    reacting at once may both take one)."""
    ensure_can_post(reader)
    assert reader.id is not None
    key = (comment_id, reader.id)
    limit = settings.daily_caps.reactions
    if limit is not None and not can_moderate(reader) and session.get(Reaction, key) is None:
        # The cap's row before the comment's, the order posting takes them in: two
        # transactions never wait on each other in a cycle. (A refusal below rolls it back.)
        cap = Cap("reactions", "reactions", limit)
        take_caps(session, user_id=reader.id, caps=[cap], day=SiteDay.now(zone))
    comment = _locked(session, comment_id, reader)
    reaction = session.get(Reaction, key, populate_existing=True)  # as of the lock
    if reaction is not None and reaction.kind == kind:
        return _state(comment, kind)
    if reaction is None:
        age = timedelta(hours=settings.reactions.ranking_min_account_age_hours)
        reaction = Reaction(
            comment_id=comment_id,
            user_id=reader.id,
            kind=kind,
            ranked=utcnow() - reader.created_at >= age,
        )
    else:
        _count(comment, reaction, -1)
        reaction.kind = kind
    _count(comment, reaction, +1)
    session.add(reaction)
    session.add(comment)
    show_changed(session, comment.article_id)
    return _state(comment, kind)


def take_back(session: Session, *, comment_id: int, reader: User) -> ReactionState:
    """Removes the reader's reaction, if any (taking back what is not there changes nothing).
    A banned or suspended reader may still take one back."""
    assert reader.id is not None
    comment = _locked(session, comment_id, reader)
    reaction = session.get(Reaction, (comment_id, reader.id), populate_existing=True)
    if reaction is not None:
        _count(comment, reaction, -1)
        session.delete(reaction)
        session.add(comment)
        show_changed(session, comment.article_id)
    return _state(comment, None)


def _locked(session: Session, comment_id: int, reader: User) -> Comment:
    """The published comment, locked for its counts; another's only."""
    comment = locked_comment(session, comment_id)
    if comment.author_id == reader.id:
        raise OwnComment("You cannot react to your own comment.")
    if comment.status != CommentStatus.PUBLISHED:
        raise CommentNotFound(comment_id)
    return comment


def _count(comment: Comment, reaction: Reaction, delta: int) -> None:
    shown, ranked = _COUNTS[reaction.kind]
    setattr(comment, shown, getattr(comment, shown) + delta)
    if reaction.ranked:
        setattr(comment, ranked, getattr(comment, ranked) + delta)
        comment.best_score = wilson_lower_bound(comment.ranked_likes, comment.ranked_dislikes)


def _state(comment: Comment, mine: ReactionKind | None) -> ReactionState:
    assert comment.id is not None
    return ReactionState(comment.id, comment.likes, comment.dislikes, mine)


def my_reactions(
    session: Session, *, user_id: int, comment_ids: Iterable[int]
) -> dict[int, ReactionKind]:
    """The reader's reactions among these comments (a page's worth)."""
    wanted = sorted(set(comment_ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Reaction.comment_id, Reaction.kind).where(
            col(Reaction.user_id) == user_id, col(Reaction.comment_id).in_(wanted)
        )
    ).all()
    return {comment_id: ReactionKind(kind) for comment_id, kind in rows}


def _remove_from_counts(session: Session, user_id: int, *, only_ranked: bool) -> set[str]:
    """Takes the reader's reactions off their comments' counts (all of them, or only the
    ranked counts); returns the articles changed. One statement per count, whatever the
    number of reactions."""
    changed: set[str] = set()
    for kind, (shown, ranked) in _COUNTS.items():
        theirs: ColumnElement[bool] = and_(
            col(Reaction.user_id) == user_id, col(Reaction.kind) == kind
        )
        counts = [ranked] if only_ranked else [shown, ranked]
        for name in counts:
            which = theirs if name == shown else and_(theirs, col(Reaction.ranked))
            reacted = select(Reaction.comment_id).where(which)
            column = getattr(Comment, name)
            session.execute(
                update(Comment)
                .where(col(Comment.id).in_(reacted))
                .values({name: column - 1})
                .execution_options(synchronize_session=False)
            )
        articles = select(Comment.article_id).where(
            col(Comment.id).in_(select(Reaction.comment_id).where(theirs))
        )
        changed.update(session.execute(articles.distinct()).scalars())
    _rerank(session, select(Reaction.comment_id).where(col(Reaction.user_id) == user_id))
    return changed


def _rerank(session: Session, comment_ids: Any, *, write: bool = True) -> list[str]:
    """Sets `best_score` from the ranked counts of these comments (a subquery), where it
    differs (unless not to `write`); returns what differed, in words."""
    rows = session.exec(
        select(Comment.id, Comment.ranked_likes, Comment.ranked_dislikes, Comment.best_score)
        .where(col(Comment.id).in_(comment_ids))
        .order_by(col(Comment.id))
    ).all()
    wrong = {
        comment_id: (stored, wilson_lower_bound(up, down))
        for comment_id, up, down, stored in rows
        if not math.isclose(stored, wilson_lower_bound(up, down), abs_tol=1e-12)
    }
    if wrong and write:
        session.execute(
            update(_COMMENTS)
            .where(_COMMENTS.c.id == bindparam("comment"))
            .values(best_score=bindparam("score")),
            [{"comment": cid, "score": score} for cid, (_, score) in wrong.items()],
        )
    return [
        f"best_score of comment {cid}: stored {stored:.6f}, counted {score:.6f}"
        for cid, (stored, score) in wrong.items()
    ]


def stop_ranking(session: Session, user_id: int) -> None:
    """A banned reader's reactions no longer rank comments (their counts stay, as given)."""
    changed = _remove_from_counts(session, user_id, only_ranked=True)
    session.execute(
        update(Reaction)
        .where(col(Reaction.user_id) == user_id, col(Reaction.ranked))
        .values(ranked=False)
    )
    if changed:
        show_changed(session, *changed)


def forget_reactions(session: Session, user_id: int) -> None:
    """A departed reader's reactions go, and their comments' counts with them."""
    changed = _remove_from_counts(session, user_id, only_ranked=False)
    session.execute(delete(Reaction).where(col(Reaction.user_id) == user_id))
    if changed:
        show_changed(session, *changed)


def _recounted() -> list[tuple[str, Any]]:
    """Each count on the comment, with its recount from the reactions (a correlated
    subquery)."""
    recounts = []
    for kind, (shown, ranked) in _COUNTS.items():
        for name in (shown, ranked):
            counted = (
                select(func.count())
                .select_from(Reaction)
                .where(col(Reaction.comment_id) == Comment.id, col(Reaction.kind) == kind)
                .correlate(Comment)
            )
            if name == ranked:
                counted = counted.where(col(Reaction.ranked))
            recounts.append((name, counted.scalar_subquery()))
    return recounts


def reaction_drift(session: Session) -> list[str]:
    """Comments whose counts disagree with their reactions (empty: none), for `commentmod
    counters check`."""
    found = []
    for name, recount in _recounted():
        column = getattr(Comment, name)
        rows = session.exec(
            select(Comment.id, column, recount).where(column != recount).order_by(col(Comment.id))
        ).all()
        found += [f"{name} of comment {cid}: stored {n}, counted {c}" for cid, n, c in rows]
    return found + _rerank(session, _ranked_or_scored(), write=False)


def _ranked_or_scored() -> Any:
    """The comments with a rank or with ranked reactions (where a rank can be wrong)."""
    return select(Comment.id).where(
        (col(Comment.best_score) != 0)
        | (col(Comment.ranked_likes) != 0)
        | (col(Comment.ranked_dislikes) != 0)
    )


def repair_reaction_counts(session: Session) -> list[str]:
    """Rewrites the counts that drifted from the reactions; returns what was wrong."""
    found = reaction_drift(session)
    for name, recount in _recounted():
        column = getattr(Comment, name)
        session.execute(
            update(Comment)
            .where(column != recount)
            .values({name: recount})
            .execution_options(synchronize_session=False)
        )
    _rerank(session, _ranked_or_scored())
    return found


TIMELINE_REACTIONS = 5000
"""The newest reactions a timeline counts: a burst shows within them."""
RECENT_REACTIONS = 50


@dataclass(frozen=True)
class TimelineBucket:
    start: datetime
    likes: int
    dislikes: int
    unranked: int
    """Of them, reactions that do not rank (new accounts, or banned since)."""


@dataclass(frozen=True)
class RecentReaction:
    user_id: int
    display_name: str
    kind: ReactionKind
    ranked: bool
    account_created_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class Timeline:
    comment: Comment
    bucket_minutes: int
    buckets: list[TimelineBucket]
    recent: list[RecentReaction]


def reaction_timeline(session: Session, comment_id: int) -> Timeline:
    """A comment's reactions over time for the console: counted per minute, hour or day (by
    their span), with the newest reactions and their accounts' ages, so a burst from new
    accounts shows. One range of `ix_reaction_comment_id_created_at`."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise CommentNotFound(comment_id)
    rows = session.exec(
        select(Reaction.created_at, Reaction.kind, Reaction.ranked)
        .where(col(Reaction.comment_id) == comment_id)
        .order_by(col(Reaction.created_at).desc())
        .limit(TIMELINE_REACTIONS)
    ).all()
    span = rows[0][0] - rows[-1][0] if rows else timedelta(0)
    minutes = 1 if span <= timedelta(hours=3) else 60 if span <= timedelta(days=7) else 1440
    counts: dict[datetime, list[int]] = {}
    for created_at, kind, ranked in rows:
        start = _floor(created_at, minutes)
        bucket = counts.setdefault(start, [0, 0, 0])
        bucket[0 if kind == ReactionKind.LIKE else 1] += 1
        bucket[2] += 0 if ranked else 1
    recent = session.exec(
        select(Reaction, User.display_name, User.created_at)
        .join(User, col(User.id) == Reaction.user_id)
        .where(col(Reaction.comment_id) == comment_id)
        .order_by(col(Reaction.created_at).desc())
        .limit(RECENT_REACTIONS)
    ).all()
    return Timeline(
        comment,
        minutes,
        [TimelineBucket(start, *counted) for start, counted in sorted(counts.items())],
        [
            RecentReaction(r.user_id, name, ReactionKind(r.kind), r.ranked, joined, r.created_at)
            for r, name, joined in recent
        ],
    )


def _floor(moment: datetime, minutes: int) -> datetime:
    since_midnight = moment.hour * 60 + moment.minute
    floored = since_midnight - since_midnight % minutes if minutes < 1440 else 0
    return moment.replace(hour=floored // 60, minute=floored % 60, second=0, microsecond=0)
