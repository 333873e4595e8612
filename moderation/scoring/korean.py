"""The embedded Korean scorer: a linear model over character n-grams, shipped in the package (the
file `korean_model.json.gz`, rebuilt by `make train-korean`; its data, figures and licences in
docs/korean-model-card.md). Character n-grams see inside Korean words, where particles and
endings attach to the stem and where abuse is spelled around filters."""

import gzip
import hashlib
import json
import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from moderation.scoring.explanations import Explanation, spans_of
from moderation.scoring.scorers import Scores, SingleModel

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
        document = json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))
        # No name, mtime 0: the same model gives the same bytes, so a rebuild shows no diff.
        with path.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as file:
            file.write(document.encode("utf-8"))

    @classmethod
    def read(cls, data: bytes) -> "KoreanModel":
        document = json.loads(gzip.decompress(data))
        document["platt"] = tuple(document["platt"])
        return cls(**document)


class KoreanScorer(SingleModel):
    """`{"toxicity": p}` for Korean text; about 20 µs a comment, no model download."""

    def __init__(self, path: Path | None = None) -> None:
        data = (
            path.read_bytes()
            if path is not None
            else resources.files("moderation.scoring").joinpath(MODEL_FILE).read_bytes()
        )
        model = KoreanModel.read(data)
        self.model = model
        self._features = {
            ngram: (idf, weight)
            for ngram, idf, weight in zip(model.ngrams, model.idf, model.weights, strict=True)
        }
        self.model_id = f"korean-char-ngrams-{hashlib.sha256(data).hexdigest()[:12]}"

    def logit(self, text: str) -> float:
        """The linear model's score before calibration."""
        return self.model.intercept + sum(self._contributions(text).values())

    def explain(self, text: str) -> Explanation:
        """The n-grams that pushed the score up most, as spans of `text`."""
        return Explanation(self.model_id, spans_of(text, self._contributions(text).items()))

    def _contributions(self, text: str) -> dict[str, float]:
        """Each known n-gram's share of the logit: its unit-length TF-IDF value times its weight."""
        values: dict[str, tuple[float, float]] = {}
        norm = 0.0
        for ngram, count in Counter(char_ngrams(text)).items():
            found = self._features.get(ngram)
            if found is None:
                continue
            idf, weight = found
            value = (1.0 + math.log(count)) * idf
            values[ngram] = (value, weight)
            norm += value * value
        length = math.sqrt(norm) or 1.0
        return {ngram: value * weight / length for ngram, (value, weight) in values.items()}

    def probability(self, logit: float) -> float:
        slope, offset = self.model.platt
        return 1.0 / (1.0 + math.exp(-(slope * logit + offset)))

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        return [{"toxicity": self.probability(self.logit(text))} for text in texts]
