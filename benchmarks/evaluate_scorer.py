"""How well the configured scorer separates toxic from civil comments on labelled public data.

Reads ../shared/eval (OLID test set, English tweets; BEEP! dev set, Korean comments) and prints
ROC AUC and precision/recall at the hold threshold. Loads the scorer the way the service does, so
COMMENTMOD_SCORER / COMMENTMOD_DETOXIFY_* choose the model:

    .venv/bin/python benchmarks/evaluate_scorer.py [--eval-dir ../shared/eval] [--threshold 0.8]
"""

import argparse
import csv
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.metrics import precision_score, recall_score, roc_auc_score

from service.app import load_scorer
from service.core.settings import Settings


def olid(folder: Path) -> tuple[list[str], list[int]]:
    with (folder / "labels-levela.csv").open(encoding="utf-8") as labels_file:
        labels = {row["id"]: row["label"] == "OFF" for row in csv.DictReader(labels_file)}
    with (folder / "testset-levela.tsv").open(encoding="utf-8") as tweets_file:
        rows = list(csv.DictReader(tweets_file, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["tweet"] for r in rows], [int(labels[r["id"]]) for r in rows]


def beep(folder: Path) -> tuple[list[str], list[int]]:
    with (folder / "labeled_dev.tsv").open(encoding="utf-8") as dev_file:
        rows = list(csv.DictReader(dev_file, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["comments"] for r in rows], [int(r["hate"] in {"hate", "offensive"}) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--threshold", type=float, default=Settings().hold_threshold)
    args = parser.parse_args()
    scorer = load_scorer(Settings())
    print(f"model {scorer.model_id}, hold threshold {args.threshold}")
    for name, (texts, labels) in {
        "OLID test (English tweets)": olid(args.eval_dir / "data" / "olid"),
        "BEEP! dev (Korean comments)": beep(args.eval_dir / "data" / "kocohub"),
    }.items():
        scores = [s["toxicity"] for s in scorer.score_batch(texts)]
        held = [int(score >= args.threshold) for score in scores]
        print(
            f"{name:<30} n={len(texts):5d} toxic={sum(labels):4d}  "
            f"ROC AUC {roc_auc_score(labels, scores):.3f}  "
            f"precision {precision_score(labels, held, zero_division=0):.3f}  "
            f"recall {recall_score(labels, held, zero_division=0):.3f}"
        )


if __name__ == "__main__":
    main()
