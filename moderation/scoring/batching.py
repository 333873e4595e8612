"""Micro-batching: concurrent requests are scored together, in passes of similar length, in a
thread."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio.to_thread

from moderation.scoring.scorers import Scorer, Scores

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    text: str
    future: asyncio.Future[Scores] = field(repr=False)


class BatchingScorer:
    """Collects texts for up to `max_wait` seconds or `max_batch` texts, then scores them together.

    A failing model fails every request of its batch; the caller decides what that means (the
    service holds the comment). Start it inside a running event loop and close it on shutdown.
    """

    def __init__(self, scorer: Scorer, max_batch: int = 32, max_wait: float = 0.005) -> None:
        self.scorer = scorer
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    @property
    def model_id(self) -> str:
        return self.scorer.model_id

    def model_id_for(self, text: str) -> str:
        return self.scorer.model_id_for(text)

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="scoring")

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    async def score(self, text: str) -> Scores:
        return (await self.score_many([text]))[0]

    async def score_many(self, texts: Sequence[str]) -> list[Scores]:
        if self._worker is None:
            raise RuntimeError("BatchingScorer.start() was not called")
        loop = asyncio.get_running_loop()
        pending = [_Pending(text, loop.create_future()) for text in texts]
        for item in pending:
            self._queue.put_nowait(item)
        return list(await asyncio.gather(*(item.future for item in pending)))

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            deadline = asyncio.get_running_loop().time() + self.max_wait
            while len(batch) < self.max_batch:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                except TimeoutError:
                    break
            live = [item for item in batch if not item.future.done()]
            if live:
                await self._score(live)

    async def _score(self, batch: list[_Pending]) -> None:
        try:
            results = await anyio.to_thread.run_sync(
                self.scorer.score_batch, [item.text for item in batch]
            )
            if len(results) != len(batch):
                raise RuntimeError(f"scorer returned {len(results)} results for {len(batch)} texts")
        except Exception as exc:  # noqa: BLE001 - any model failure fails the batch, not the loop
            logger.warning("scoring a batch of %d failed: %r", len(batch), exc)
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for item, scores in zip(batch, results, strict=True):
            if not item.future.done():
                item.future.set_result(scores)
