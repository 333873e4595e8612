"""How well the configured scorer separates toxic from civil comments on labelled public data, per
language, and how long the embedded router takes over a 250-character comment.

Run with `make evaluate`. Reads ../shared/eval and loads the scorer the way the service does
(COMMENTMOD_SCORER, COMMENTMOD_DETOXIFY_*, COMMENTMOD_KOREAN_SCORER choose the models), then for
every labelled set prints ROC AUC and precision/recall at the hold threshold:

- English: OLID test (tweets) and the Civil Comments toxic-spans test set (news comments that
  raters found toxic, so only recall means anything there);
- Korean: BEEP! dev (news comments), which the Korean model never trained on; the sets it trained
  on (BEEP! train, APEACH, Curse-detection, malicious comments) are reported with the numbers
  cross-validated when it was trained, since scoring a model's own training data says nothing.

    .venv/bin/python benchmarks/evaluate_scorer.py [--eval-dir ../shared/eval] [--threshold 0.8]
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.scoring.english import EmbeddedScorer
from moderation.scoring.korean import KoreanScorer
from moderation.scoring.korean_training import load_sets
from moderation.scoring.metrics import measure
from moderation.scoring.routing import RoutedScorer
from moderation.scoring.scorers import Scorer
from service.app import load_scorer
from service.core.settings import Settings


def olid(folder: Path) -> tuple[list[str], list[int]]:
    with (folder / "labels-levela.csv").open(encoding="utf-8") as labels_file:
        labels = {row["id"]: row["label"] == "OFF" for row in csv.DictReader(labels_file)}
    with (folder / "testset-levela.tsv").open(encoding="utf-8") as tweets_file:
        rows = list(csv.DictReader(tweets_file, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["tweet"] for r in rows], [int(labels[r["id"]]) for r in rows]


def civil_comments_spans(folder: Path) -> tuple[list[str], list[int]]:
    with (folder / "tsd_test.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [r["text"] for r in rows], [int(json.loads(r["spans"]) != []) for r in rows]


def report(
    name: str, scorer: Scorer, texts: list[str], labels: list[int], threshold: float
) -> None:
    measured = measure(scorer, texts, [bool(label) for label in labels], threshold)
    auc = "  n/a" if measured.roc_auc is None else f"{measured.roc_auc:.3f}"
    print(
        f"  {name:<44} n={measured.texts:5d} toxic={measured.toxic:5d}  ROC AUC {auc}  "
        f"precision {measured.precision:.3f}  recall {measured.recall:.3f}"
    )


def per_comment_microseconds(scorer: Scorer, text: str, rounds: int = 2000) -> float:
    scorer.score_batch([text])
    started = time.perf_counter()
    for _ in range(rounds):
        scorer.score_batch([text])
    return (time.perf_counter() - started) / rounds * 1e6


def evaluate(title: str, scorer: RoutedScorer, data: Path, threshold: float) -> None:
    print(f"{title}: {scorer.model_id}, hold threshold {threshold}")
    print(" English")
    report("OLID test (tweets)", scorer, *olid(data / "olid"), threshold)
    spans = civil_comments_spans(data / "civil-comments-spans")
    report("Civil Comments spans test (recall only)", scorer, *spans, threshold)
    print(" Korean")
    korean = load_sets(data)
    embedded_korean = scorer.korean if isinstance(scorer.korean, KoreanScorer) else None
    for name, examples in korean.items():
        if embedded_korean and name != "beep-dev":
            continue  # its training data: the cross-validated figures below say more
        texts, labels = [e.text for e in examples], [int(e.toxic) for e in examples]
        report(
            name + (" (never trained on)" if name == "beep-dev" else ""),
            scorer,
            texts,
            labels,
            threshold,
        )
    if embedded_korean:
        cross_validated = embedded_korean.model.metrics["cross_validated_roc_auc"]
        print("  the embedded Korean model's training sets, 5-fold cross-validated ROC AUC:")
        for name, auc in cross_validated.items():
            print(f"    {name:<42} {auc:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--threshold", type=float, default=Settings().hold_threshold)
    args = parser.parse_args()
    data = args.eval_dir / "data"
    embedded = RoutedScorer(english=EmbeddedScorer(), korean=KoreanScorer())
    evaluate("Embedded router (no weights needed)", embedded, data, args.threshold)
    configured = load_scorer(Settings())
    if configured.model_id != embedded.model_id:
        evaluate("As configured (Detoxify)", configured, data, args.threshold)

    print("Embedded router, one 250-character comment (benchmark, this machine):")
    english = ("The minister's statement on the trilateral talks was clear and good. " * 4)[:250]
    hangul = ("장관의 삼국 회담 발표는 분명하고 좋았습니다. 기자님 취재 수고하셨습니다. " * 6)[:250]
    mixed = ("The minister 발표는 분명하고 좋았습니다, great report. " * 6)[:250]
    for name, text in (("English", english), ("Korean", hangul), ("mixed", mixed)):
        print(f"  {name:<8} {per_comment_microseconds(embedded, text):7.0f} µs")


if __name__ == "__main__":
    main()
