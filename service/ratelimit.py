"""Abuse limits with the `limits` library: in Redis when COMMENTMOD_REDIS_URL is set, so every
replica shares the count, in memory otherwise."""

import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from service.errors import AppError


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many requests; try again in {retry_after} seconds.", retry_after=retry_after
        )
        self.headers = {"Retry-After": str(retry_after)}


def parse_limits(spec: str) -> list[RateLimitItem]:
    """`1/10 seconds;30/hour`; empty turns the limit off."""
    return parse_many(spec) if spec.strip() else []


class RateLimiter:
    def __init__(self, redis_url: str | None, key_prefix: str = "commentmod") -> None:
        storage: Storage = (
            RedisStorage(redis_url, key_prefix=key_prefix) if redis_url else MemoryStorage()
        )
        self._limiter = MovingWindowRateLimiter(storage)

    def ensure_allowed(self, limits: Sequence[RateLimitItem], scope: str, key: str) -> None:
        """Raises `RateLimited` (with Retry-After) when any of the limits is used up."""
        for limit in limits:
            if not self._limiter.test(limit, scope, key):
                reset_at = self._limiter.get_window_stats(limit, scope, key).reset_time
                raise RateLimited(max(1, math.ceil(reset_at - time.time())))

    def hit(self, limits: Sequence[RateLimitItem], scope: str, key: str) -> None:
        for limit in limits:
            self._limiter.hit(limit, scope, key)

    def take(self, limits: Sequence[RateLimitItem], scope: str, key: str) -> None:
        """Checks and counts one request."""
        self.ensure_allowed(limits, scope, key)
        self.hit(limits, scope, key)
