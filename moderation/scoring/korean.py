"""The embedded Korean scorer: a linear model over character n-grams, shipped in the package (the
file `korean_model.json.gz`, rebuilt by `make train-korean`; its data, figures and licences in
docs/korean-model-card.md). Character n-grams see inside Korean words, where particles and
endings attach to the stem and where abuse is spelled around filters."""

import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from moderation.scoring.explanations import Explanation, spans_of
from moderation.scoring.linear import LinearScorer, model_bytes, read_model, write_model

MODEL_FILE = "korean_model.json.gz"
NGRAM_SIZES = (2, 3, 4)


def char_ngrams(text: str) -> list[str]:
    """scikit-learn's `char_wb` n-grams of the NFC, lower-cased text: each word padded with a
    space on both sides, n-grams inside it only (a word no longer than n gives itself once and
    nothing longer). The training script uses this very function, so the two cannot disagree."""
    grams: list[str] = []
    for word in unicodedata.normalize("NFC", text).lower().split():
        padded = f" {word} "
        for size in NGRAM_SIZES:
            if len(padded) <= size:
                grams.append(padded)
                break
            grams.extend(padded[start : start + size] for start in range(len(padded) - size + 1))
    return grams


@dataclass(frozen=True)
class KoreanModel:
    """TF-IDF (sublinear counts, smoothed idf, unit length) times NB-weighted logistic-regression
    weights, then Platt scaling fitted on held-apart predictions: p = sigmoid(a * z + b)."""

    ngrams: list[str]
    idf: list[float]
    weights: list[float]
    """Each n-gram's logistic-regression coefficient times its naive-Bayes log-count ratio."""
    intercept: float
    platt: tuple[float, float]
    metrics: dict[str, Any]
    """What the training script measured, for the model card and `make evaluate`."""

    def write(self, path: Path) -> None:
        write_model(asdict(self), path)

    @classmethod
    def read(cls, data: bytes) -> "KoreanModel":
        return cls(**read_model(data))


class KoreanScorer(LinearScorer):
    """`{"toxicity": p}` for Korean text; about 20 µs a comment, no model download."""

    def __init__(self, path: Path | None = None) -> None:
        data = model_bytes(path, MODEL_FILE)
        model = KoreanModel.read(data)
        self.model = model
        super().__init__(
            data,
            name="korean-char-ngrams",
            featurize=char_ngrams,
            features=model.ngrams,
            idf=model.idf,
            weights=model.weights,
            intercept=model.intercept,
            platt=model.platt,
        )

    def explain(self, text: str) -> Explanation:
        """The n-grams that pushed the score up most, as spans of `text`."""
        return Explanation(self.model_id, spans_of(text, self.contributions(text).items()))
