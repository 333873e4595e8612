import asyncio

import pytest

from moderation.scoring.batching import BatchingScorer
from tests.support.scorers import ScriptedScorer


async def started(scorer: ScriptedScorer, **options: float) -> BatchingScorer:
    batching = BatchingScorer(scorer, **options)  # type: ignore[arg-type]
    batching.start()
    return batching


def test_concurrent_requests_share_one_forward_pass() -> None:
    async def scenario() -> tuple[list[float], ScriptedScorer]:
        scorer = ScriptedScorer()
        batching = await started(scorer, max_batch=32, max_wait=0.05)
        texts = [f"comment {i}" for i in range(9)] + ["you idiot"]
        results = await asyncio.gather(*(batching.score(t) for t in texts))
        await batching.close()
        return [r["toxicity"] for r in results], scorer

    toxicity, scorer = asyncio.run(scenario())

    assert toxicity == [0.05] * 9 + [0.95]  # each caller gets its own text's scores
    assert len(scorer.batches) == 1


def test_batches_never_exceed_the_maximum_size() -> None:
    async def scenario() -> ScriptedScorer:
        scorer = ScriptedScorer()
        batching = await started(scorer, max_batch=4, max_wait=0.05)
        await asyncio.gather(*(batching.score(f"text {i}") for i in range(10)))
        await batching.close()
        return scorer

    scorer = asyncio.run(scenario())

    assert [len(batch) for batch in scorer.batches] == [4, 4, 2]


def test_a_failing_model_fails_every_request_of_its_batch_and_recovers() -> None:
    async def scenario() -> None:
        scorer = ScriptedScorer()
        batching = await started(scorer, max_wait=0.01)
        scorer.fail = True
        outcomes = await asyncio.gather(
            batching.score("one"), batching.score("two"), return_exceptions=True
        )
        assert all(isinstance(o, RuntimeError) for o in outcomes)
        scorer.fail = False
        assert (await batching.score("three"))["toxicity"] == 0.05
        await batching.close()

    asyncio.run(scenario())


def test_scoring_before_start_is_a_programming_error() -> None:
    async def scenario() -> None:
        with pytest.raises(RuntimeError, match="start"):
            await BatchingScorer(ScriptedScorer()).score("text")

    asyncio.run(scenario())
