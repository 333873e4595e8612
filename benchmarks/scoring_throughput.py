"""Scoring throughput: micro-batched concurrent requests against one request per forward pass.

Run with `make benchmark` (or `.venv/bin/python benchmarks/scoring_throughput.py`). Both arms run
in this process on the same texts, so the ratio is what to compare between machines.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.scoring.batching import BatchingScorer
from moderation.scoring.scorers import DetoxifyScorer, EmbeddedScorer, Scorer
from tests.support.tiny_detoxify import build_tiny_detoxify

CONCURRENCY = 64
ROUNDS = 5
TEXTS = [
    f"Comment {i}: the minister's statement on the trilateral summit was clear and fair."
    for i in range(CONCURRENCY)
]


async def one_at_a_time(scorer: Scorer) -> float:
    """The baseline: each request gets its own forward pass, in a worker thread."""
    start = time.perf_counter()
    for text in TEXTS:
        await asyncio.to_thread(scorer.score_batch, [text])
    return time.perf_counter() - start


async def batched(scorer: Scorer) -> float:
    batching = BatchingScorer(scorer, max_batch=32, max_wait=0.005)
    batching.start()
    start = time.perf_counter()
    await asyncio.gather(*(batching.score(text) for text in TEXTS))
    elapsed = time.perf_counter() - start
    await batching.close()
    return elapsed


def measure(name: str, scorer: Scorer) -> None:
    asyncio.run(batched(scorer))  # warm-up
    baseline = [asyncio.run(one_at_a_time(scorer)) for _ in range(ROUNDS)]
    grouped = [asyncio.run(batched(scorer)) for _ in range(ROUNDS)]
    base, best = statistics.median(baseline), statistics.median(grouped)
    print(
        f"{name:<34} one-at-a-time {CONCURRENCY / base:8.0f} texts/s | "
        f"batched {CONCURRENCY / best:8.0f} texts/s | speed-up x{base / best:.1f}"
    )


def main() -> None:
    print(f"{CONCURRENCY} concurrent comments, median of {ROUNDS} rounds")
    measure("embedded (alt-profanity-check)", EmbeddedScorer())
    with tempfile.TemporaryDirectory() as folder:
        tiny = build_tiny_detoxify(
            Path(folder), hidden_size=256, layers=4, heads=4, intermediate_size=1024
        )
        model = DetoxifyScorer(checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)
        measure("detoxify (4-layer BERT, random)", model)


if __name__ == "__main__":
    main()
