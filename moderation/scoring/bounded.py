"""The scorer as the service uses it: batched, off the event loop, bounded in time, fail-closed."""

import asyncio
import logging
from collections import Counter, OrderedDict, defaultdict
from functools import partial

import anyio.to_thread

from moderation.scoring.batching import BatchingScorer
from moderation.scoring.explanations import Explanation
from moderation.scoring.routing import Explaining, RoutedScorer
from moderation.scoring.scorers import Scorer, Scores

logger = logging.getLogger(__name__)

EXPLANATIONS_KEPT = 1024

ExplanationKey = tuple[str, str]
"""(model id, text)"""


class BoundedScorer:
    """Explanations are computed when a moderator opens a comment and kept here, in memory, for
    the last `explanations_kept` (model id, text) pairs, so opening it again costs nothing. That
    is enough: each worker process keeps its own, a miss costs one forward pass of a few dozen
    short texts, and a model's explanation of a text never goes stale while that model is
    loaded (a new model has a new id), so there is nothing to share or invalidate."""

    def __init__(
        self,
        scorer: Scorer,
        *,
        timeout: float,
        max_batch: int,
        max_wait: float,
        explanations_kept: int = EXPLANATIONS_KEPT,
    ) -> None:
        self.timeout = timeout
        self._batcher = BatchingScorer(scorer, max_batch=max_batch, max_wait=max_wait)
        self.explanations_kept = explanations_kept
        self._explained: OrderedDict[ExplanationKey, Explanation | None] = OrderedDict()
        self._explaining: dict[ExplanationKey, asyncio.Task[Explanation | None]] = {}
        self._turns: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._waiting: Counter[ExplanationKey] = Counter()
        self._started: set[ExplanationKey] = set()

    @property
    def model_id(self) -> str:
        return self._batcher.model_id

    def model_id_for(self, text: str) -> str:
        return self._batcher.model_id_for(text)

    async def explain(self, text: str, scored_by: str) -> list[Explanation]:
        """Why the models named in `scored_by` scored `text` as they did (see `RoutedScorer`),
        each in a worker thread (occlusion is a forward pass of up to 65 texts) within
        `timeout`, side by side; a model that fails or runs out of time is left out, empty for a
        scorer that cannot say."""
        scorer = self._batcher.scorer
        if not isinstance(scorer, RoutedScorer):
            return []
        found = await asyncio.gather(
            *(self._explained_by(model, text) for model in scorer.explainers(scored_by))
        )
        return [explanation for explanation in found if explanation is not None]

    async def _explained_by(self, model: Explaining, text: str) -> Explanation | None:
        """From the cache, or from the computation already under way for the same key, or a new
        one. Time running out leaves a computation that has started going (its thread cannot be
        stopped), and what it finds is kept for the next open; one still waiting for its turn
        that nobody waits for any more is dropped, so a moderator paging through the queue never
        waits behind the pages left behind."""
        key = (model.model_id, text)
        if key in self._explained:
            self._explained.move_to_end(key)
            return self._explained[key]
        running = self._explaining.get(key)
        if running is None:
            running = asyncio.ensure_future(self._in_turn(model, text))
            self._explaining[key] = running
            running.add_done_callback(partial(self._keep, key))
        self._waiting[key] += 1
        try:
            return await asyncio.wait_for(asyncio.shield(running), self.timeout)
        except TimeoutError:
            logger.warning("explaining with %s took longer than %.1fs", key[0], self.timeout)
            return None
        except Exception:  # noqa: BLE001 - logged once by _keep; the view goes without it
            return None
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                if key not in self._started and not running.done():
                    running.cancel()

    async def _in_turn(self, model: Explaining, text: str) -> Explanation | None:
        """One explanation at a time per model: the console opens a page of twenty comments at
        once, and twenty forward passes side by side would take the cores from the scoring of
        new comments, whose time-out holds them unscored. The wait counts in the time-out."""
        key = (model.model_id, text)
        async with self._turns[model.model_id]:
            self._started.add(key)
            return await anyio.to_thread.run_sync(model.explain, text)

    def _keep(self, key: ExplanationKey, done: asyncio.Task[Explanation | None]) -> None:
        del self._explaining[key]
        self._started.discard(key)
        if done.cancelled():
            return
        if (failure := done.exception()) is not None:
            logger.warning("explaining with %s failed: %r", key[0], failure)
            return
        self._explained[key] = done.result()
        while len(self._explained) > self.explanations_kept:
            self._explained.popitem(last=False)

    def start(self) -> None:
        self._batcher.start()

    async def close(self) -> None:
        await self._batcher.close()
        running = list(self._explaining.values())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def score_many(self, texts: list[str]) -> list[Scores] | None:
        """Scores for every text, or None when the model failed or ran out of time."""
        try:
            return await asyncio.wait_for(self._batcher.score_many(texts), self.timeout)
        except TimeoutError:
            logger.warning("scoring %d text(s) took longer than %.1fs", len(texts), self.timeout)
        except Exception as exc:  # noqa: BLE001 - fail closed on any model error
            logger.warning("scoring %d text(s) failed: %r", len(texts), exc)
        return None

    async def score(self, text: str) -> Scores | None:
        scores = await self.score_many([text])
        return scores[0] if scores is not None else None
