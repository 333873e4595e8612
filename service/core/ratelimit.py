"""Abuse limits with the `limits` library: in Redis when COMMENTMOD_REDIS_URL is set, so every
replica shares the count, in memory otherwise."""

import logging
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

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


REDIS_TIMEOUT = 0.5
"""Seconds a rate-limit check waits for Redis before letting the request through."""


class RateLimiter:
    """Counts requests under limits. When Redis does not answer (down, stalled), requests go
    through, with a warning: the comment box keeps working and the moderation pipeline still
    decides every comment; only the abuse limits lapse until Redis is back."""

    def __init__(self, redis_url: str | None, key_prefix: str = "commentmod") -> None:
        storage: Storage = (
            RedisStorage(
                redis_url,
                key_prefix=key_prefix,
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
            )
            if redis_url
            else MemoryStorage()
        )
        self._limiter = MovingWindowRateLimiter(storage)

    def check(self, limits: Sequence[RateLimitItem], *, scope: str, key: str) -> None:
        """Raises `RateLimited` (with Retry-After) when a limit is used up; counts nothing."""
        with _letting_through_when_storage_fails():
            for limit in limits:
                if not self._limiter.test(limit, scope, key):
                    raise self._refusal(limit, scope=scope, key=key)

    def take(self, limits: Sequence[RateLimitItem], *, scope: str, key: str) -> None:
        """Counts one request against every limit, or raises `RateLimited`. Each count is the
        check itself (`limits`' atomic `hit`), so two requests arriving together cannot both
        take the last place; the limits are checked first, so a request refused by one limit
        does not use up the others."""
        self.check(limits, scope=scope, key=key)
        with _letting_through_when_storage_fails():
            for limit in limits:
                if not self._limiter.hit(limit, scope, key):
                    raise self._refusal(limit, scope=scope, key=key)

    def _refusal(self, limit: RateLimitItem, *, scope: str, key: str) -> RateLimited:
        reset_at = self._limiter.get_window_stats(limit, scope, key).reset_time
        return RateLimited(max(1, math.ceil(reset_at - time.time())))


@contextmanager
def _letting_through_when_storage_fails() -> Iterator[None]:
    try:
        yield
    except StorageError as failure:
        logger.warning("rate limits not applied: their storage failed (%s)", failure)


@dataclass(frozen=True, kw_only=True)
class Allowance:
    """One caller's allowance under some limits."""

    limiter: RateLimiter
    limits: Sequence[RateLimitItem]
    scope: str
    key: str

    def check(self) -> None:
        """Refuses early, before costly work, without counting."""
        self.limiter.check(self.limits, scope=self.scope, key=self.key)

    def take(self) -> None:
        """Counts the request, or refuses it: the authoritative step."""
        self.limiter.take(self.limits, scope=self.scope, key=self.key)


@dataclass(frozen=True)
class Limits:
    """The configured limits and the limiter that counts them."""

    limiter: RateLimiter
    comments: Sequence[RateLimitItem]
    logins: Sequence[RateLimitItem]
    reports: Sequence[RateLimitItem]
    notices: Sequence[RateLimitItem]

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(
            RateLimiter(settings.redis_url),
            comments=parse_limits(settings.comment_rate_limits),
            logins=parse_limits(settings.login_rate_limits),
            reports=parse_limits(settings.report_rate_limits),
            notices=parse_limits(settings.notice_rate_limits),
        )

    def comments_by(self, writer_id: int, *, exempt: bool) -> Allowance:
        """Stored comments per writer; moderators are exempt."""
        limits = [] if exempt else self.comments
        return Allowance(limiter=self.limiter, limits=limits, scope="comment", key=str(writer_id))

    def logins_from(self, address: str) -> Allowance:
        return Allowance(limiter=self.limiter, limits=self.logins, scope="login", key=address)

    def reports_from(self, address: str) -> Allowance:
        return Allowance(limiter=self.limiter, limits=self.reports, scope="report", key=address)

    def notices_from(self, address: str) -> Allowance:
        return Allowance(limiter=self.limiter, limits=self.notices, scope="notice", key=address)
