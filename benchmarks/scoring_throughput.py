"""Scoring throughput on a model of Detoxify `original`'s size, five ways, in one run.

Run with `make benchmark` (or `.venv/bin/python benchmarks/scoring_throughput.py`). Detoxify's
weights cannot be downloaded here, so it builds a random-weight checkpoint with BERT-base
dimensions (12 layers, 768 wide), a WordPiece vocabulary of 30,522 trained on the labelled
comments in `../shared/eval/data` (so real text splits into tokens of realistic length), and a
classifier scaled so scores spread over 0-1. It scores the same few hundred comments (English
and Korean, 5-250 characters, from the same data) five ways, each in a process of its own so its
peak memory is its own:

1. plain `Detoxify.predict(text)`, one comment per call (what a newsroom writes first);
2. plain Detoxify, batches of 8;
3. the service's Detoxify scorer behind its micro-batcher, 64 requests at a time;
4. the service's ONNX Runtime int8 scorer (`commentmod scorer export`) the same way;
5. the same with the unquantized fp32 ONNX model (`--precision fp32`).

It prints comments/s, the ratio to (1), the largest score difference from (1) on any attribute
of any comment, and each process's peak RSS. The model is built once into var/bench/scoring.
"""

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

EVAL = ROOT.parent / "shared" / "eval" / "data"
WORK = ROOT / "var" / "bench" / "scoring"
CONCURRENCY = 64
CLASSIFIER_SCALE = 10.0
"""Random BERT-base logits times this spread the scores from about 0.01 to 0.9."""
ARMS = {
    "plain": "plain Detoxify, one comment per call",
    "plain-batched": "plain Detoxify, batches of 8",
    "service-torch": f"service scorer, PyTorch, {CONCURRENCY} at a time",
    "service-onnx": f"service scorer, ONNX int8, {CONCURRENCY} at a time",
    "service-onnx-fp32": f"service scorer, ONNX fp32, {CONCURRENCY} at a time",
}


def english() -> list[str]:
    with (EVAL / "olid" / "olid-training-v1.0.tsv").open(encoding="utf-8") as file:
        return [row["tweet"] for row in csv.DictReader(file, delimiter="\t")]


def korean() -> list[str]:
    with (EVAL / "kocohub" / "labeled_train.tsv").open(encoding="utf-8") as file:
        return [row["comments"] for row in csv.DictReader(file, delimiter="\t")]


def comments(count: int) -> list[str]:
    """Half English, half Korean, 5-250 characters, the same every run."""
    chosen: list[str] = []
    for texts in (english(), korean()):
        fitting = [text.strip() for text in texts if 5 <= len(text.strip()) <= 250]
        chosen += random.Random(7).sample(fitting, count // 2)  # noqa: S311 - a sample, not a secret
    random.Random(8).shuffle(chosen)  # noqa: S311
    return chosen


def build_model() -> Path:
    """The checkpoint, its config and the ONNX export, built once."""
    from tokenizers import BertWordPieceTokenizer

    from moderation.scoring.export import export_detoxify
    from tests.support.tiny_detoxify import SPECIAL_TOKENS, build_tiny_detoxify

    export = WORK / "onnx"
    if (export / "manifest.json").is_file():
        return WORK
    WORK.mkdir(parents=True, exist_ok=True)
    print("building a random-weight BERT-base checkpoint and its ONNX export (once) ...")
    tokenizer = BertWordPieceTokenizer(lowercase=True)
    tokenizer.train_from_iterator(
        english() + korean(), vocab_size=30522, special_tokens=SPECIAL_TOKENS
    )
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    model = WORK / "detoxify"
    if model.exists():
        shutil.rmtree(model)
    model.mkdir()
    tiny = build_tiny_detoxify(
        model,
        hidden_size=768,
        layers=12,
        heads=12,
        intermediate_size=3072,
        classifier_scale=CLASSIFIER_SCALE,
        vocab=[token for token, _ in vocab],
    )
    # The benchmark reports the drift; the export's own 0.02 refusal is what serving relies on.
    manifest = export_detoxify(
        export, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir, max_drift=1.0
    )
    print(f"  export: int8 drift on the calibration sample {manifest.max_drift:.4f}")
    return WORK


def peak_rss_mb() -> float:
    """This process's own peak (`VmHWM`): `ru_maxrss` would report the parent's when larger."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_arm(arm: str, texts: list[str]) -> dict[str, Any]:
    """In the arm's own process: load, warm up, time one pass over `texts`."""
    checkpoint = WORK / "detoxify" / "tiny-detoxify.ckpt"
    config_dir = WORK / "detoxify" / "config"
    if arm.startswith("plain"):
        from moderation.scoring.scorers import DetoxifyScorer

        # `predict` is one `Detoxify.predict` call, its columns turned into one dict a text.
        model = DetoxifyScorer(checkpoint=checkpoint, config_dir=config_dir)
        size = 1 if arm == "plain" else 8

        def score_all() -> list[dict[str, float]]:
            scores = []
            for start in range(0, len(texts), size):
                scores += model.predict(texts[start : start + size])
            return scores

        model.predict(texts[:size])
    else:
        from moderation.scoring.batching import BatchingScorer
        from moderation.scoring.onnx import FP32_MODEL, INT8_MODEL, OnnxScorer
        from moderation.scoring.scorers import DetoxifyScorer
        from service.core.settings import Settings

        scorer = (
            DetoxifyScorer(checkpoint=checkpoint, config_dir=config_dir)
            if arm == "service-torch"
            else OnnxScorer(
                WORK / "onnx",
                model_file=FP32_MODEL if arm == "service-onnx-fp32" else INT8_MODEL,
                threads=Settings().scoring_threads,
            )
        )

        async def concurrently() -> list[dict[str, float]]:
            batching = BatchingScorer(scorer, max_batch=32, max_wait=0.005)
            batching.start()
            gate = asyncio.Semaphore(CONCURRENCY)

            async def one(text: str) -> dict[str, float]:
                async with gate:
                    return await batching.score(text)

            try:
                return list(await asyncio.gather(*(one(text) for text in texts)))
            finally:
                await batching.close()

        def score_all() -> list[dict[str, float]]:
            return asyncio.run(concurrently())

        scorer.score_batch(texts[:8])
    start = time.perf_counter()
    scores = score_all()
    elapsed = time.perf_counter() - start
    return {
        "per_second": len(texts) / elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "torch_loaded": "torch" in sys.modules,
        "scores": scores,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=200, help="comments scored by each arm")
    parser.add_argument("--arm", choices=list(ARMS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = comments(args.texts)
    if args.arm:
        print(json.dumps(run_arm(args.arm, texts)))
        return
    build_model()
    lengths = sorted(len(text) for text in texts)
    print(
        f"{len(texts)} comments (English and Korean, {lengths[0]}-{lengths[-1]} characters, "
        f"median {lengths[len(lengths) // 2]}), BERT-base dimensions, random weights"
    )
    results: dict[str, dict[str, Any]] = {}
    for arm in ARMS:
        done = subprocess.run(  # noqa: S603 - this script, a fixed argument list
            [sys.executable, __file__, "--arm", arm, "--texts", str(args.texts)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[arm] = json.loads(done.stdout.strip().splitlines()[-1])
    baseline = results["plain"]
    spread = [
        statistics.pstdev(scores[name] for scores in baseline["scores"])
        for name in baseline["scores"][0]
    ]
    print(
        f"  each attribute's spread over the comments (standard deviation): "
        f"{min(spread):.3f}-{max(spread):.3f}"
    )
    for arm, result in results.items():
        drift = max(
            abs(got[name] - want[name])
            for got_all, want_all in [(result["scores"], baseline["scores"])]
            for got, want in zip(got_all, want_all, strict=True)
            for name in want
        )
        torch = "" if result["torch_loaded"] else ", no PyTorch"
        print(
            f"  {ARMS[arm]:<42} {result['per_second']:7.1f} comments/s  "
            f"x{result['per_second'] / baseline['per_second']:5.1f}  "
            f"max drift {drift:.4f}  peak RSS {result['peak_rss_mb']:6.0f} MB{torch}"
        )


if __name__ == "__main__":
    main()
