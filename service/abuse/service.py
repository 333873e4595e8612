"""The spam checks' reads and writes. Each check reads before the model scores (a refusal
costs no model pass) and writes again in the store's transaction, race-free: a fingerprint by
its primary key, a daily count by a conditional increment, a campaign under a lock per band
key, so two copies, two posts at a cap, or a campaign's comments posted at once cannot all
slip through."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, insert, text, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from auth.models import User
from moderation.repeats import BANDS, band_keys, campaign_text, shingles, similarity
from service.abuse.models import (
    Campaign,
    CampaignComment,
    CommentBand,
    CommentFingerprint,
    DailyCount,
    ExternalCheckCount,
)
from service.core.db import dialect_insert, insert_in, insert_or_ignore, table_of, utcnow
from service.core.errors import AppError, Conflict, Forbidden

# Errors --------------------------------------------------------------------------------------


class DuplicateComment(Conflict):
    """The same text (case, width, spacing, punctuation aside) from this account within the
    repeat window: `comment_id` is the earlier comment. Nothing was stored."""

    code = "duplicate_comment"
    fields: ClassVar[Mapping[str, Any]] = {"comment_id": int}

    def __init__(self, comment_id: int) -> None:
        super().__init__(
            f"You already posted this comment (comment {comment_id}).", comment_id=comment_id
        )


class DailyLimitReached(AppError):
    """A daily cap of the site (`scope`: comments, replies, per_article or reactions) is
    reached; it resets at `resets_at`, the site's next midnight."""

    status_code = 429
    code = "daily_limit_reached"
    fields: ClassVar[Mapping[str, Any]] = {"limit": int, "scope": str, "resets_at": datetime}

    def __init__(self, *, limit: int, scope: str, resets_at: datetime) -> None:
        what = {
            "comments": "comments today",
            "replies": "replies today",
            "per_article": "comments on this article today",
            "reactions": "likes and dislikes today",
        }[scope]
        super().__init__(
            f"You have reached the limit of {limit} {what}.",
            limit=limit,
            scope=scope,
            resets_at=resets_at.isoformat(),
        )
        seconds = max(1, int((resets_at - utcnow()).total_seconds()))
        self.headers = {"Retry-After": str(seconds)}


class AccountTooNew(Forbidden):
    """The site asks new accounts to wait before they comment; `retry_after` seconds to go."""

    code = "account_too_new"
    fields: ClassVar[Mapping[str, Any]] = {"retry_after": int}

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            f"New accounts can comment after a short wait: try again in {minutes} minutes.",
            retry_after=retry_after,
        )
        self.headers = {"Retry-After": str(retry_after)}


# The new-account cool-down -----------------------------------------------------------------


def ensure_old_enough(user: User, *, minutes: int) -> None:
    if minutes <= 0:
        return
    ready = user.created_at + timedelta(minutes=minutes)
    left = (ready - utcnow()).total_seconds()
    if left > 0:
        raise AccountTooNew(max(1, int(left + 0.999)))


# Repeats from one account ------------------------------------------------------------------


_FINGERPRINTS = table_of(CommentFingerprint)
_BANDS = table_of(CommentBand)
_DAILY_COUNTS = table_of(DailyCount)

_EARLIER_COPY = core_select(_FINGERPRINTS.c.comment_id, _FINGERPRINTS.c.created_at).where(
    _FINGERPRINTS.c.author_id == bindparam("author_id"),
    _FINGERPRINTS.c.key == bindparam("key"),
)
"""Built once, on the table rather than the mapped class: on the POST path building a
statement, and the ORM's handling of its result, cost more than its run. So are the other
statements of the POST path below."""


def earlier_copy(session: Session, *, author_id: int, key: str, hours: int) -> int | None:
    """The account's comment with this text within the window, if any (one index lookup)."""
    if hours <= 0:
        return None
    row = session.execute(_EARLIER_COPY, {"author_id": author_id, "key": key}).first()
    if row is None or row[1] < utcnow() - timedelta(hours=hours):
        return None
    comment_id: int = row[0]
    return comment_id


def remember_text(
    session: Session, *, author_id: int, key: str, comment_id: int, hours: int
) -> None:
    """Keeps the comment as the account's latest with this text; refuses it (rolling its
    transaction back) when another copy within the window got there first, even one still
    being committed: its row is locked until then, and the conditional update finds it."""
    now = utcnow()
    values = {"author_id": author_id, "key": key, "comment_id": comment_id, "created_at": now}
    cutoff = now - timedelta(hours=max(hours, 0))
    statement = _remember_statement(session.get_bind().dialect.name)
    if session.execute(statement, {**values, "cutoff": cutoff}).first() is None:
        earlier = earlier_copy(session, author_id=author_id, key=key, hours=hours)
        raise DuplicateComment(earlier or comment_id)


@cache
def _remember_statement(dialect: str) -> Any:
    """The fingerprint's upsert in the dialect."""
    insert = insert_in(dialect, _FINGERPRINTS)
    return insert.on_conflict_do_update(
        index_elements=["author_id", "key"],
        set_={"comment_id": insert.excluded.comment_id, "created_at": insert.excluded.created_at},
        where=_FINGERPRINTS.c.created_at < bindparam("cutoff"),
    ).returning(_FINGERPRINTS.c.comment_id)


def forget_text(session: Session, comment_id: int) -> None:
    """The comment's text may be posted again (it was deleted, or edited into another)."""
    session.execute(
        delete(CommentFingerprint).where(col(CommentFingerprint.comment_id) == comment_id)
    )


def forget_bands(session: Session, comment_id: int) -> None:
    """An edited comment is compared by its new text."""
    session.execute(delete(CommentBand).where(col(CommentBand.comment_id) == comment_id))


KEPT_BANDS = timedelta(days=8)
"""Longer than the longest campaign window (7 days)."""
KEPT_FINGERPRINTS = timedelta(days=31)
"""Longer than the longest repeat window (30 days)."""
KEPT_DAILY_COUNTS = timedelta(days=3)


# Daily caps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cap:
    scope: str
    """What the reader is told: comments, replies or per_article."""
    key: str
    """What is counted: `comments`, `replies` or `article:<id>`."""
    limit: int


@dataclass(frozen=True)
class SiteDay:
    day: str
    resets_at: datetime

    @classmethod
    def now(cls, zone: str) -> "SiteDay":
        here = utcnow().astimezone(ZoneInfo(zone))
        today: date = here.date()
        midnight = datetime.combine(today + timedelta(days=1), time(), tzinfo=here.tzinfo)
        return cls(today.isoformat(), midnight.astimezone(utcnow().tzinfo))


def caps_for(caps: Mapping[str, int | None], *, article_id: str, reply: bool) -> list[Cap]:
    """The caps a post counts against: a reply against the replies, a comment against the
    comments and the article's."""
    wanted = (
        [("replies", "replies")]
        if reply
        else [
            ("comments", "comments"),
            ("per_article", f"article:{article_id}"),
        ]
    )
    return [
        Cap(scope, key, limit) for scope, key in wanted if (limit := caps.get(scope)) is not None
    ]


_COUNTS_TODAY = core_select(_DAILY_COUNTS.c.scope, _DAILY_COUNTS.c.count).where(
    _DAILY_COUNTS.c.user_id == bindparam("user_id"),
    _DAILY_COUNTS.c.day == bindparam("day"),
    _DAILY_COUNTS.c.scope.in_(bindparam("scopes", expanding=True)),
)


def check_caps(session: Session, *, user_id: int, caps: Sequence[Cap], day: SiteDay) -> None:
    """Before the model scores: a reader at a cap learns it at once."""
    if not caps:
        return
    rows = session.execute(
        _COUNTS_TODAY, {"user_id": user_id, "day": day.day, "scopes": [cap.key for cap in caps]}
    )
    counts: dict[str, int] = {scope: count for scope, count in rows}
    for cap in caps:
        if counts.get(cap.key, 0) >= cap.limit:
            raise DailyLimitReached(limit=cap.limit, scope=cap.scope, resets_at=day.resets_at)


@cache
def _count_statement(dialect: str) -> Any:
    """Counts one post against a cap, only while under it, in the dialect."""
    insert = insert_in(dialect, _DAILY_COUNTS)
    return insert.on_conflict_do_update(
        index_elements=["user_id", "day", "scope"],
        set_={"count": _DAILY_COUNTS.c.count + 1},
        where=_DAILY_COUNTS.c.count < bindparam("limit"),
    ).returning(_DAILY_COUNTS.c.count)


def take_caps(session: Session, *, user_id: int, caps: Sequence[Cap], day: SiteDay) -> None:
    """Counts the post against each cap, in one statement per cap that increments only under
    the limit, so two posts at once cannot both take the last place."""
    if not caps:
        return
    statement = _count_statement(session.get_bind().dialect.name)
    for cap in caps:
        values = {"user_id": user_id, "day": day.day, "scope": cap.key, "count": 1}
        if session.execute(statement, {**values, "limit": cap.limit}).first() is None:
            raise DailyLimitReached(limit=cap.limit, scope=cap.scope, resets_at=day.resets_at)


def counts_today(session: Session, *, user_id: int, zone: str) -> dict[str, int]:
    """What an account has used of the caps today (the console's user drawer)."""
    day = SiteDay.now(zone)
    rows = session.exec(
        select(DailyCount.scope, DailyCount.count).where(
            DailyCount.user_id == user_id, DailyCount.day == day.day
        )
    ).all()
    return dict(rows)


# Campaigns --------------------------------------------------------------------------------------


CAMPAIGN_MIN_CHARACTERS = 20
"""Shorter texts ("First!", "좋아요", "Great article") are what many readers write on their own:
never a campaign."""


@dataclass(frozen=True)
class Likeness:
    """A text's campaign fingerprint: its shingles (to compare) and band keys (to look up);
    none for a text too short to tell a campaign from a common reaction."""

    shingles: frozenset[int]
    bands: tuple[int, ...]

    @classmethod
    def of(cls, body: str) -> "Likeness":
        normalised = campaign_text(body)
        if len(normalised) < CAMPAIGN_MIN_CHARACTERS:
            return cls(frozenset(), ())
        found = shingles(normalised)
        return cls(found, tuple(band_keys(found)))


@dataclass(frozen=True)
class Match:
    comment_id: int
    author_id: int


CANDIDATES = 500
"""Comments compared per post at most: a campaign larger than this is already held."""


def lock_bands(session: Session, bands: Iterable[int]) -> None:
    """Makes the posts that share a band key take turns (PostgreSQL; SQLite writes one at a
    time anyway): of two near-duplicates stored at once, the second sees the first."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(bands)):  # one order everywhere: no deadlock
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


SHARED_BANDS = 2
"""Band keys a candidate shares with the text, at least. Two texts of similarity 0.9 share two
or more of the eight with probability 0.997 (about five on average), two unrelated ones
seldom share even one: requiring two spares most posts reading any candidate at all."""

_CANDIDATES = (
    core_select(_BANDS.c.comment_id)
    .where(
        _BANDS.c.band_key.in_([bindparam(f"band_{band}") for band in range(BANDS)]),
        _BANDS.c.created_at >= bindparam("since"),
    )
    .group_by(_BANDS.c.comment_id)
    .having(func.count() >= SHARED_BANDS)
    .order_by(_BANDS.c.comment_id.desc())
    .limit(CANDIDATES)
)
"""A text has `BANDS` keys: one bound parameter each, where an expanding list would be
rendered anew on every post."""


def candidate_ids(session: Session, likeness: Likeness, *, since: datetime) -> list[int]:
    """The comments since `since` that share band keys with the text: an index lookup,
    newest first, at most `CANDIDATES`."""
    if not likeness.bands:
        return []
    keys = {f"band_{band}": key for band, key in enumerate(likeness.bands)}
    rows = session.execute(_CANDIDATES, {**keys, "since": since})
    return [comment_id for (comment_id,) in rows]


def alike(
    likeness: Likeness, candidates: Iterable[tuple[int, int, str]], *, threshold: float
) -> list[Match]:
    """The candidates (id, author, body) at least `threshold` alike: Jaccard of shingles."""
    return [
        Match(comment_id, author_id)
        for comment_id, author_id, body in candidates
        if similarity(shingles(campaign_text(body)), likeness.shingles) >= threshold
    ]


_INSERT_BANDS = insert(_BANDS)


def remember_bands(
    session: Session, likeness: Likeness, *, comment_id: int, author_id: int
) -> None:
    if not likeness.bands:
        return
    now = utcnow()
    session.execute(
        _INSERT_BANDS,
        [
            {"band_key": key, "comment_id": comment_id, "author_id": author_id, "created_at": now}
            for key in likeness.bands
        ],
    )


def join_campaign(session: Session, comment_ids: Sequence[int]) -> int:
    """Files the comments under the campaign one of them is already in (the oldest such),
    or a new one; a resolved campaign that grows is open again."""
    existing = session.exec(
        select(func.min(CampaignComment.campaign_id)).where(
            col(CampaignComment.comment_id).in_(comment_ids)
        )
    ).one()
    now = utcnow()
    if existing is None:
        campaign = Campaign(created_at=now, updated_at=now)
        session.add(campaign)
        session.flush()
        assert campaign.id is not None
        campaign_id = campaign.id
    else:
        campaign_id = existing
        session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id)
            .values(updated_at=now, resolved_at=None, resolved_by=None)
        )
    session.execute(
        insert_or_ignore(session, CampaignComment),
        [{"comment_id": comment_id, "campaign_id": campaign_id} for comment_id in comment_ids],
    )
    return campaign_id


# The external hook's answers ----------------------------------------------------------------


def count_external(session: Session, outcome: str, *, times: int = 1) -> None:
    day = utcnow().date().isoformat()
    statement = dialect_insert(session, ExternalCheckCount).values(
        day=day, outcome=outcome, count=times
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "outcome"],
            set_={"count": col(ExternalCheckCount.count) + times},
        )
    )


def external_counts(session: Session, *, days: int = 7) -> dict[str, dict[str, int]]:
    since = (utcnow().date() - timedelta(days=days - 1)).isoformat()
    rows = session.exec(
        select(ExternalCheckCount.day, ExternalCheckCount.outcome, ExternalCheckCount.count)
        .where(ExternalCheckCount.day >= since)
        .order_by(col(ExternalCheckCount.day))
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for day, outcome, count in rows:
        counts.setdefault(day, {})[outcome] = count
    return counts
