"""The read path a breaking story hits: anonymous readers asking for an article's first page of
comments and its count. Each worker keeps those answers serialized in memory, keyed by article
and page, and tagged with the article's version (`Article.version`, bumped in the transaction of
every change anonymous readers could see, see `tallies`).

A worker trusts the version it last read for `freshness` seconds (0.5 by default), then reads
it again (one primary-key row, one request at a time per article): so a comment taken down on
any worker or replica sharing the database disappears from every worker within that time, and
at once from the worker that took it down (`forget`, after its commit). Signed-in readers are
never served from here: their pages hold their own held and rejected comments."""

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlmodel import Session, select

from service.articles.models import Article
from service.comments import service
from service.comments.schemas import CommentCount, CommentPage, TopArticles
from service.comments.service import Listing
from service.comments.top import TOP_FRESHNESS, TopWindow, most_commented
from service.core.db import Database, DatabaseUnavailable, utcnow

MAX_ENTRY_AGE = 30.0
"""Seconds after which a cached answer is rebuilt even if its article did not change: what an
author's new display name waits for at most."""


@dataclass(frozen=True)
class Rendered:
    """An answer as sent: its JSON bytes and their entity tag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> "Rendered":
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(body, f'"{digest}"')

    def matches(self, if_none_match: str | None) -> bool:
        """`If-None-Match` (weak comparison, as RFC 9110 asks for it)."""
        if not if_none_match:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or self.etag in tags


def article_version(session: Session, article_id: str) -> int:
    """0 for an article nobody commented on yet (it has no row)."""
    version = session.exec(select(Article.version).where(Article.id == article_id)).one_or_none()
    return version or 0


def render_page(
    session: Session, article_id: str, limit: int, listing: Listing
) -> tuple[bytes, int]:
    """The anonymous first page and the version it shows, read in one unit of work (the version
    first: the page is at least that new)."""
    version = article_version(session, article_id)
    page = service.article_page(
        session,
        article_id=article_id,
        viewer_id=None,
        limit=limit,
        cursor=None,
        listing=listing,
    )
    return CommentPage.of(page, None).model_dump_json().encode(), version


def render_count(session: Session, article_id: str) -> tuple[bytes, int]:
    """The count and the version it shows, read together (0 and 0 for an article nobody
    commented on yet: it has no row)."""
    row = session.exec(
        select(Article.published_count, Article.version).where(Article.id == article_id)
    ).one_or_none()
    count, version = row or (0, 0)
    return CommentCount(article_id=article_id, count=count).model_dump_json().encode(), version


@dataclass(frozen=True)
class _Cached:
    """A kept answer, with the article version it shows and when it was built."""

    rendered: Rendered
    version: int
    built_at: float


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _SingleFlight(Generic[K, V]):
    """Concurrent callers for the same key share one call: a spike after an invalidation
    costs one database read per worker, not one per request."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, call: Callable[[], Awaitable[V]]) -> V:
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await call()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a caller that gave up leaves no warning behind
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]


class PublicPages:
    """This worker's serialized anonymous answers (first pages and counts), per article."""

    def __init__(
        self,
        database: Database,
        *,
        enabled: bool,
        freshness: float,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.enabled = enabled
        self.freshness = freshness
        self.max_entries = max_entries
        self.clock = clock
        self._versions: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._answers: OrderedDict[tuple[str, str, int], _Cached] = OrderedDict()
        self._version_reads = _SingleFlight[str, int]()
        self._builds = _SingleFlight[tuple[str, str, int], _Cached]()

    def forget(self, article_ids: Iterable[str]) -> None:
        """This worker changed these articles: their next read checks the version at once.
        Called from the thread that committed; each dictionary operation is atomic."""
        for article_id in article_ids:
            self._versions.pop(article_id, None)

    async def page(self, article_id: str, limit: int, listing: Listing) -> Rendered:
        return await self._answer(
            (f"page-{listing.key}", article_id, limit),
            lambda session: render_page(session, article_id, limit, listing),
        )

    async def count(self, article_id: str) -> Rendered:
        return await self._answer(
            ("count", article_id, 0), lambda session: render_count(session, article_id)
        )

    async def top(self, window: TopWindow, limit: int) -> Rendered:
        """The most-commented articles: not versioned by any one article, so kept for
        `TOP_FRESHNESS` seconds (a change shows within that)."""
        key = ("top", str(window), limit)
        cached = self._answers.get(key)
        if self.enabled and cached and self.clock() - cached.built_at < TOP_FRESHNESS:
            return cached.rendered
        return (await self._builds.run(key, lambda: self._build_top(key, window, limit))).rendered

    async def _build_top(self, key: tuple[str, str, int], window: TopWindow, limit: int) -> _Cached:
        now = self.clock()

        def render(session: Session) -> bytes:
            since = utcnow() - window.length
            rows = most_commented(session, since=since, limit=limit)
            return TopArticles.of(window, rows).model_dump_json().encode()

        cached = _Cached(Rendered.of(await self.database.run(render)), 0, now)
        if self.enabled:
            self._remember(self._answers, key, cached)
        return cached

    async def _answer(
        self, key: tuple[str, str, int], render: Callable[[Session], tuple[bytes, int]]
    ) -> Rendered:
        if not self.enabled:
            body, _ = await self.database.run(render)
            return Rendered.of(body)
        article_id = key[1]
        version = await self._current_version(article_id)
        cached = self._answers.get(key)
        if (
            cached is None
            or cached.version != version
            or self.clock() - cached.built_at >= MAX_ENTRY_AGE
        ):
            cached = await self._builds.run(key, lambda: self._build(key, render))
        return cached.rendered

    async def _build(
        self, key: tuple[str, str, int], render: Callable[[Session], tuple[bytes, int]]
    ) -> _Cached:
        now = self.clock()
        body, version = await self.database.run(render)
        cached = _Cached(Rendered.of(body), version, now)
        self._remember(self._answers, key, cached)
        self._remember(self._versions, key[1], (version, now))
        return cached

    async def _current_version(self, article_id: str) -> int:
        seen = self._versions.get(article_id)
        if seen is not None and self.clock() - seen[1] < self.freshness:
            return seen[0]
        return await self._version_reads.run(article_id, lambda: self._read_version(article_id))

    async def _read_version(self, article_id: str) -> int:
        """The article's version now. While this worker cannot reach the database, the one it
        last saw: anonymous readers keep the page they had (for `MAX_ENTRY_AGE` at most, then
        503) instead of an error, and a change made meanwhile elsewhere shows once the
        database answers again."""
        now = self.clock()
        try:
            version = await self.database.run(lambda session: article_version(session, article_id))
        except DatabaseUnavailable:
            seen = self._versions.get(article_id)
            if seen is None:
                raise
            return seen[0]
        self._remember(self._versions, article_id, (version, now))
        return version

    def _remember(self, store: OrderedDict[K, V], key: K, value: V) -> None:
        """Newest last, oldest dropped past `max_entries`; each step a single dictionary
        operation, since `forget` may pop a key from another thread at any moment."""
        store.pop(key, None)
        store[key] = value
        while len(store) > self.max_entries:
            with suppress(KeyError):  # emptied meanwhile by `forget`
                store.popitem(last=False)
