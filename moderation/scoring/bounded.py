"""The scorer as the service uses it: batched, off the event loop, bounded in time, fail-closed."""

import asyncio
import logging

from moderation.scoring.batching import BatchingScorer
from moderation.scoring.explanations import Explanation
from moderation.scoring.routing import RoutedScorer
from moderation.scoring.scorers import Scorer, Scores

logger = logging.getLogger(__name__)


class BoundedScorer:
    def __init__(self, scorer: Scorer, *, timeout: float, max_batch: int, max_wait: float) -> None:
        self.timeout = timeout
        self._batcher = BatchingScorer(scorer, max_batch=max_batch, max_wait=max_wait)

    @property
    def model_id(self) -> str:
        return self._batcher.model_id

    def model_id_for(self, text: str) -> str:
        return self._batcher.model_id_for(text)

    def explain(self, text: str, scored_by: str) -> list[Explanation]:
        """Why the models named in `scored_by` scored `text` as they did (see `RoutedScorer`);
        empty for a scorer that cannot say."""
        scorer = self._batcher.scorer
        return scorer.explain(text, scored_by) if isinstance(scorer, RoutedScorer) else []

    def start(self) -> None:
        self._batcher.start()

    async def close(self) -> None:
        await self._batcher.close()

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
