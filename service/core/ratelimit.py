"""Abuse limits, exact however many workers and replicas serve: counted in Redis when
COMMENTMOD_REDIS_URL is set (the `limits` library), otherwise in the database every worker
shares, in the request's own transaction."""

import ipaddress
import logging
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Index, text
from sqlmodel import Field, Session, SQLModel, col, select

from service.core.db import BigId, Database, UTCDateTime, insert_row, utcnow
from service.core.errors import AppError
from service.core.settings import Settings

logger = logging.getLogger(__name__)


class RateLimited(AppError):
    """Too many requests; `retry_after` (and the Retry-After header) says when to try again."""

    status_code = 429
    code = "rate_limited"
    fields: ClassVar[Mapping[str, Any]] = {"retry_after": int}

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many requests; try again in {retry_after} seconds.", retry_after=retry_after
        )
        self.headers = {"Retry-After": str(retry_after)}


def parse_limits(spec: str) -> list[RateLimitItem]:
    """`1/10 seconds;30/hour`; empty turns the limit off."""
    return parse_many(spec) if spec.strip() else []


def _refusal(seconds: float) -> RateLimited:
    return RateLimited(max(1, math.ceil(seconds)))


class Counter(Protocol):
    """Where requests are counted. `session` is the caller's unit of work: the database counts
    in it, so a refused or failed request's count rolls back with the rest of its work."""

    def check(
        self, session: Session, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        """Raises `RateLimited` (with Retry-After) when a limit is used up; counts nothing."""

    def take(
        self, session: Session, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        """Counts one request against every limit, or raises `RateLimited` and counts nothing.
        Two requests arriving together cannot both take the last place."""

    def take_alone(
        self, database: Database, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        """`take`, kept whatever becomes of the request (a failed sign-in counts)."""


REDIS_TIMEOUT = 0.5
"""Seconds a rate-limit check waits for Redis before letting the request through."""


class RedisCounter:
    """Counts in Redis with `limits`' moving window. When Redis does not answer (down,
    stalled), requests go through, with a warning: the comment box keeps working and the
    moderation pipeline still decides every comment; only the abuse limits lapse until Redis
    is back."""

    def __init__(self, redis_url: str, key_prefix: str = "commentmod") -> None:
        storage = RedisStorage(
            redis_url,
            key_prefix=key_prefix,
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
        self._limiter = MovingWindowRateLimiter(storage)

    def check(
        self, session: Session, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        with _letting_through_when_redis_fails():
            for limit in limits:
                if not self._limiter.test(limit, scope, key):
                    raise self._refusal(limit, scope=scope, key=key)

    def take(
        self, session: Session, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        """Each count is the check itself (`limits`' atomic `hit`); the limits are checked
        first, so a request refused by one limit does not use up the others."""
        self.take_alone(None, limits, scope=scope, key=key)

    def take_alone(
        self, database: Database | None, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        """Redis keeps each count at once, outside any transaction."""
        with _letting_through_when_redis_fails():
            for limit in limits:
                if not self._limiter.test(limit, scope, key):
                    raise self._refusal(limit, scope=scope, key=key)
            for limit in limits:
                if not self._limiter.hit(limit, scope, key):
                    raise self._refusal(limit, scope=scope, key=key)

    def _refusal(self, limit: RateLimitItem, *, scope: str, key: str) -> RateLimited:
        reset_at = self._limiter.get_window_stats(limit, scope, key).reset_time
        return _refusal(reset_at - time.time())


@contextmanager
def _letting_through_when_redis_fails() -> Iterator[None]:
    try:
        yield
    except StorageError as failure:
        logger.warning("rate limits not applied: their storage failed (%s)", failure)


class RateLimitHit(SQLModel, table=True):
    """One counted request, kept for the longest window of its scope's limits (the
    housekeeping sweep forgets older ones: they hold callers' addresses)."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_scope_key_at", "scope", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    scope: str = Field(max_length=20)
    key: str = Field(max_length=100)
    """A user id or a client address."""
    at: datetime = Field(sa_type=UTCDateTime, index=True)


class DatabaseCounter:
    """A moving window over the hits stored in the database, in the caller's transaction: exact
    across every worker and replica that shares the database, with no Redis to run. `take`
    first serialises the requests of one caller (PostgreSQL: a transaction-level advisory lock
    on the scope and key; SQLite: the write lock the unit of work holds already), then reads the
    newest hits of the longest window (an index range, at most the largest allowance), and
    counts the request with one insert."""

    def check(
        self, session: Session, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        if limits:
            self._refuse_if_full(session, limits, scope=scope, key=key, now=utcnow())

    def take(
        self, session: Session, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        if not limits:
            return
        if session.get_bind().dialect.name == "postgresql":
            session.execute(_ADVISORY_LOCK, {"name": f"{scope}:{key}"})
        now = utcnow()
        self._refuse_if_full(session, limits, scope=scope, key=key, now=now)
        insert_row(session, RateLimitHit(scope=scope, key=key, at=now))

    def take_alone(
        self, database: Database, limits: Sequence[RateLimitItem], *, scope: str, key: str
    ) -> None:
        """In a short write of its own, committed before the request's work starts."""
        if limits:
            with database.session(writes=True) as session:
                self.take(session, limits, scope=scope, key=key)

    def _refuse_if_full(
        self,
        session: Session,
        limits: Sequence[RateLimitItem],
        *,
        scope: str,
        key: str,
        now: datetime,
    ) -> None:
        longest = max(limit.get_expiry() for limit in limits)
        newest = list(
            session.exec(
                select(RateLimitHit.at)
                .where(
                    RateLimitHit.scope == scope,
                    RateLimitHit.key == key,
                    col(RateLimitHit.at) > now - timedelta(seconds=longest),
                )
                .order_by(col(RateLimitHit.at).desc())
                .limit(max(limit.amount for limit in limits))
            ).all()
        )
        waits = [
            (newest[limit.amount - 1] + timedelta(seconds=limit.get_expiry()) - now)
            for limit in limits
            if len(newest) >= limit.amount
            and newest[limit.amount - 1] > now - timedelta(seconds=limit.get_expiry())
        ]
        if waits:
            raise _refusal(max(waits).total_seconds())


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))")


@dataclass(frozen=True, kw_only=True)
class Allowance:
    """One caller's allowance under some limits."""

    counter: Counter
    limits: Sequence[RateLimitItem]
    scope: str
    key: str

    def check(self, session: Session) -> None:
        """Refuses early, before costly work, without counting."""
        self.counter.check(session, self.limits, scope=self.scope, key=self.key)

    def take(self, session: Session) -> None:
        """Counts the request, or refuses it: the authoritative step, in the unit of work that
        does what was asked (a request that fails in it is not counted: a comment)."""
        self.counter.take(session, self.limits, scope=self.scope, key=self.key)

    def take_alone(self, database: Database) -> None:
        """Counts the request however it ends (a sign-in, a report, a notice: failures count,
        or the limit would not slow down guessing). Call it before the request's own unit of
        work opens: on SQLite that one holds the write lock (see `counted`)."""
        self.counter.take_alone(database, self.limits, scope=self.scope, key=self.key)


@dataclass(frozen=True)
class Limits:
    """The configured limits and the counter that counts them."""

    counter: Counter
    comments: Sequence[RateLimitItem]
    logins: Sequence[RateLimitItem]
    reports: Sequence[RateLimitItem]
    notices: Sequence[RateLimitItem]
    exports: Sequence[RateLimitItem] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        counter: Counter = (
            RedisCounter(settings.redis_url) if settings.redis_url else DatabaseCounter()
        )
        return cls(
            counter,
            comments=parse_limits(settings.comment_rate_limits),
            logins=parse_limits(settings.login_rate_limits),
            reports=parse_limits(settings.report_rate_limits),
            notices=parse_limits(settings.notice_rate_limits),
            exports=parse_limits(settings.export_rate_limits),
        )

    @property
    def longest_window(self) -> float:
        """Seconds: the oldest hit any limit still looks at."""
        every = [*self.comments, *self.logins, *self.reports, *self.notices, *self.exports]
        return max((limit.get_expiry() for limit in every), default=0)

    def comments_by(self, writer_id: int, *, exempt: bool) -> Allowance:
        """Stored comments per writer; moderators are exempt."""
        limits = [] if exempt else self.comments
        return Allowance(counter=self.counter, limits=limits, scope="comment", key=str(writer_id))

    def exports_by(self, user_id: int) -> Allowance:
        """Data exports per reader: each reads everything kept about them."""
        return Allowance(
            counter=self.counter, limits=self.exports, scope="export", key=str(user_id)
        )

    def logins_from(self, address: str) -> Allowance:
        key = address_key(address)
        return Allowance(counter=self.counter, limits=self.logins, scope="login", key=key)

    def reports_from(self, address: str) -> Allowance:
        key = address_key(address)
        return Allowance(counter=self.counter, limits=self.reports, scope="report", key=key)

    def notices_from(self, address: str) -> Allowance:
        key = address_key(address)
        return Allowance(counter=self.counter, limits=self.notices, scope="notice", key=key)


def address_key(address: str) -> str:
    """Whom a per-address limit counts: an IPv4 address, or an IPv6 address's /64 (one
    subscriber's line gets a whole /64, so single IPv6 addresses are free to rotate)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
