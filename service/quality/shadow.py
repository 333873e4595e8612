"""A shadow model: every new comment scored a second time, after its answer has gone, so a
newsroom can try a model on live traffic before it decides anything.

Nothing on the request path waits for it: a committed comment is offered to a bounded queue
(`offer` never blocks), one thread per worker scores what waits in batches and stores the
scores in their own table. A slow shadow fills the queue and what does not fit is dropped and
counted; one that raises, or a database that refuses the write, costs that batch, counted too."""

import logging
import math
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from moderation.scoring.scorers import Scorer
from service.core.db import Database, upsert, utcnow
from service.quality.models import ShadowScore

logger = logging.getLogger(__name__)

WARN_EVERY = 60.0
"""Seconds between two warnings about failing batches."""

Offered = tuple[int, str]
"""A comment's id and the text to score."""


@dataclass(frozen=True)
class ShadowCounts:
    scored: int
    failed: int
    dropped: int
    waiting: int


class ShadowScoring:
    def __init__(
        self,
        scorer: Scorer,
        database: Database,
        *,
        capacity: int = 1000,
        batch: int = 64,
        linger: float = 1.0,
    ) -> None:
        self.scorer = scorer
        self.model_id = scorer.model_id
        self._database = database
        self._batch = batch
        self._linger = linger
        self._warned_at = -math.inf
        self._queue: queue.Queue[Offered] = queue.Queue(maxsize=capacity)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._scored = self._failed = self._dropped = 0
        self._thread = threading.Thread(target=self._work, name="shadow-scorer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stops after the batch in hand; what still waits is dropped (and counted)."""
        self._stop.set()
        self._thread.join(timeout)
        left = self._queue.qsize()
        if left:
            self._count(dropped=left)

    def offer(self, comments: Iterable[Offered]) -> None:
        """Called after a commit, in whatever thread committed: never waits."""
        for comment in comments:
            try:
                self._queue.put_nowait(comment)
            except queue.Full:
                self._count(dropped=1)

    def counts(self) -> ShadowCounts:
        with self._lock:
            return ShadowCounts(self._scored, self._failed, self._dropped, self._queue.qsize())

    def _count(self, *, scored: int = 0, failed: int = 0, dropped: int = 0) -> None:
        with self._lock:
            self._scored += scored
            self._failed += failed
            self._dropped += dropped

    def _next_batch(self) -> list[Offered]:
        """Up to `batch` comments, waiting up to `linger` after the first for company: one model
        pass and one write for many comments, so the writers the readers wait on (SQLite has
        one at a time) and the interpreter are seldom taken from them."""
        try:
            batch = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        until = time.monotonic() + self._linger
        while len(batch) < self._batch and not self._stop.is_set():
            left = until - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def _work(self) -> None:
        while not self._stop.is_set():
            batch = self._next_batch()
            if batch:
                self._score_and_store(batch)

    def _score_and_store(self, batch: list[Offered]) -> None:
        texts = [text for _, text in batch]
        try:
            scored = self.scorer.score_batch(texts)
            scored_at = utcnow()
            # The latest text of a comment edited while it waited wins: one row per key, since
            # PostgreSQL refuses an upsert that touches a row twice.
            rows = {
                (comment_id, self.scorer.model_id_for(text)): scores
                for (comment_id, text), scores in zip(batch, scored, strict=True)
            }
            with self._database.session(writes=True) as session:
                upsert(
                    session,
                    ShadowScore,
                    [
                        {"comment_id": i, "model_id": m, "scores": s, "scored_at": scored_at}
                        for (i, m), s in rows.items()
                    ],
                )
        except Exception as failure:  # noqa: BLE001 - a model on trial never takes the service down
            self._count(failed=len(batch))
            moment = time.monotonic()
            if moment - self._warned_at >= WARN_EVERY:  # a broken shadow fails every batch
                self._warned_at = moment
                logger.warning(
                    "shadow model %s: a batch of %d failed (%s); %d failed so far",
                    self.model_id,
                    len(batch),
                    type(failure).__name__,
                    self.counts().failed,
                )
            return
        self._count(scored=len(batch))
