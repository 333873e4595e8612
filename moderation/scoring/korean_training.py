"""`make train-korean`: rebuilds the embedded Korean scorer from the labelled Korean sets in
`../shared/eval/data` and prints what it measured. Deterministic: the same data gives the same
file, byte for byte.

Training data: BEEP! train (entertainment-news comments; `offensive` and `hate` count as toxic),
APEACH, Curse-detection, and the Korean malicious-comments set less its rows that repeat BEEP! or
Curse texts. BEEP! dev is never trained on or tuned on: it is what `make evaluate` reports.
BEEP!'s examples weigh `NEWS_WEIGHT` times the others: they are the news comments this product
serves, and 5-fold cross-validation on BEEP! train chose 3 among 1, 2 and 3 (ROC AUC 0.822,
0.825, 0.826). The probability is Platt-scaled on out-of-fold predictions of the training sets.
"""

import argparse
import csv
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moderation.scoring.korean import MODEL_FILE, KoreanModel, KoreanScorer, char_ngrams
from moderation.scoring.metrics import measure

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "data"
NEWS_WEIGHT = 3.0
C = 4.0
"""Inverse regularisation of the logistic regression (the NB-LR recipe's usual strength)."""
MIN_DF = 2
FOLDS = 5
SEED = 0
DEFAULT_THRESHOLD = 0.8
"""The service's default hold threshold for toxicity, where precision and recall are reported."""


@dataclass(frozen=True)
class Example:
    text: str
    toxic: bool


def _normal(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def _table(path: Path, text: str, toxic: Any, delimiter: str) -> list[Example]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        # The tab-separated sets quote nothing: a comment may start with a quotation mark.
        rows = (
            csv.DictReader(file, delimiter=delimiter, quoting=csv.QUOTE_NONE)
            if delimiter == "\t"
            else csv.DictReader(file, delimiter=delimiter)
        )
        return [Example(_normal(row[text]), toxic(row)) for row in rows if _normal(row[text])]


def load_sets(data: Path) -> dict[str, list[Example]]:
    """Every Korean set by name, labels made boolean (the malicious set's are inverted)."""
    beep_train = _table(
        data / "kocohub" / "labeled_train.tsv", "comments", lambda r: r["hate"] != "none", "\t"
    )
    beep_dev = _table(
        data / "kocohub" / "labeled_dev.tsv", "comments", lambda r: r["hate"] != "none", "\t"
    )
    apeach = _table(data / "apeach" / "test.csv", "text", lambda r: r["class"] == "Spoiled", ",")
    curse = []
    for line in (data / "curse-detection" / "dataset.txt").read_text(encoding="utf-8").splitlines():
        text, _, label = line.rpartition("|")
        if label.strip() in {"0", "1"} and _normal(text):
            curse.append(Example(_normal(text), label.strip() == "1"))
    malicious = _table(
        data / "korean-malicious-comments" / "Dataset.csv",
        "content",
        lambda r: (r["lable"] or "").strip() == "0",
        "\t",
    )
    repeated = {example.text for example in beep_train + beep_dev + curse}
    return {
        "beep-train": beep_train,
        "beep-dev": beep_dev,
        "apeach": apeach,
        "curse-detection": curse,
        "korean-malicious-comments": [e for e in malicious if e.text not in repeated],
    }


TRAINING_SETS = ("beep-train", "apeach", "curse-detection", "korean-malicious-comments")


def fit(texts: Sequence[str], toxic: np.ndarray, weights: np.ndarray) -> tuple[Any, Any, Any]:
    """The vectorizer, the NB log-count ratios and the logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=char_ngrams, min_df=MIN_DF, sublinear_tf=True, dtype=np.float64
    )
    features = vectorizer.fit_transform(texts)
    toxic_counts = np.asarray(features[toxic].sum(axis=0)).ravel() + 1.0
    civil_counts = np.asarray(features[~toxic].sum(axis=0)).ravel() + 1.0
    ratios = np.log((toxic_counts / toxic_counts.sum()) / (civil_counts / civil_counts.sum()))
    regression = LogisticRegression(C=C, max_iter=5000)
    regression.fit(features.multiply(ratios).tocsr(), toxic, sample_weight=weights)
    return vectorizer, ratios, regression


def logits(model: tuple[Any, Any, Any], texts: Sequence[str]) -> np.ndarray:
    vectorizer, ratios, regression = model
    return np.asarray(
        regression.decision_function(vectorizer.transform(texts).multiply(ratios).tocsr())
    )


def train(sets: dict[str, list[Example]]) -> KoreanModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    examples = [example for name in TRAINING_SETS for example in sets[name]]
    names = np.array([name for name in TRAINING_SETS for _ in sets[name]])
    texts = [example.text for example in examples]
    toxic = np.array([example.toxic for example in examples])
    weights = np.where(names == "beep-train", NEWS_WEIGHT, 1.0)

    out_of_fold = np.zeros(len(texts))
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for train_rows, held_rows in folds.split(texts, toxic):
        fold_model = fit([texts[i] for i in train_rows], toxic[train_rows], weights[train_rows])
        out_of_fold[held_rows] = logits(fold_model, [texts[i] for i in held_rows])
    platt = LogisticRegression(C=1e6).fit(out_of_fold.reshape(-1, 1), toxic)
    slope, offset = float(platt.coef_[0][0]), float(platt.intercept_[0])
    cross_validated = {
        name: round(float(roc_auc_score(toxic[names == name], out_of_fold[names == name])), 4)
        for name in TRAINING_SETS
    }

    vectorizer, ratios, regression = fit(texts, toxic, weights)
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    combined = regression.coef_[0] * ratios
    return KoreanModel(
        ngrams=vocabulary,
        idf=[_rounded(value) for value in vectorizer.idf_],
        weights=[_rounded(value) for value in combined],
        intercept=_rounded(regression.intercept_[0]),
        platt=(_rounded(slope), _rounded(offset)),
        metrics={
            "training_texts": {name: len(sets[name]) for name in TRAINING_SETS},
            "ngrams": len(vocabulary),
            "cross_validated_roc_auc": cross_validated,
        },
    )


def _rounded(value: float) -> float:
    """Seven significant digits: the scores move by less than 1e-6, the file shrinks by half."""
    return float(f"{value:.7g}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / MODEL_FILE)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        sys.exit(f"error: no labelled data at {args.data}")
    sets = load_sets(args.data)
    model = train(sets)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.write(args.out)
    dev_set = sets["beep-dev"]
    dev = measure(
        KoreanScorer(args.out),
        [example.text for example in dev_set],
        [example.toxic for example in dev_set],
        DEFAULT_THRESHOLD,
    )
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 2**20:.1f} MiB, {len(model.ngrams)} n-grams)"
    )
    print(f"cross-validated ROC AUC ({FOLDS} folds): {model.metrics['cross_validated_roc_auc']}")
    print(
        f"BEEP! dev ({dev.texts} texts, never trained on): ROC AUC {dev.roc_auc:.4f}, "
        f"at {DEFAULT_THRESHOLD}: precision {dev.precision:.4f}, recall {dev.recall:.4f}"
    )


if __name__ == "__main__":
    main()
