"""What the two embedded n-gram models (Korean, English) share: a file in the package, written
the same byte for byte for the same model, and the arithmetic that serves it without
scikit-learn: TF-IDF (sublinear counts, smoothed idf, unit length) times the logistic
regression's weights, then Platt scaling, p = sigmoid(a * z + b), over a dictionary of the
features a comment has (a few dozen) rather than a sparse matrix."""

import gzip
import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from moderation.scoring.scorers import Scores, SingleModel


def write_model(document: dict[str, Any], path: Path) -> None:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    # No name, mtime 0: the same model gives the same bytes, so a rebuild shows no diff.
    with path.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as file:
        file.write(text.encode("utf-8"))


def read_model(data: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(gzip.decompress(data))
    document["platt"] = tuple(document["platt"])
    return document


def model_bytes(path: Path | None, packaged: str) -> bytes:
    """A model file given by path, or the one shipped in this package."""
    if path is not None:
        return path.read_bytes()
    return resources.files("moderation.scoring").joinpath(packaged).read_bytes()


class LinearScorer(SingleModel):
    """`{"toxicity": p}` from a linear model over the features `featurize` finds in a text; its
    model id is `name` and the first 12 hex digits of the file's SHA-256, so a retrained model is
    named differently in every score it stores."""

    def __init__(
        self,
        data: bytes,
        *,
        name: str,
        featurize: Callable[[str], list[str]],
        features: Sequence[str],
        idf: Sequence[float],
        weights: Sequence[float],
        intercept: float,
        platt: tuple[float, float],
    ) -> None:
        self._featurize = featurize
        self._features = {
            feature: (value, weight)
            for feature, value, weight in zip(features, idf, weights, strict=True)
        }
        self._intercept = intercept
        self._platt = platt
        self.model_id = f"{name}-{hashlib.sha256(data).hexdigest()[:12]}"

    def logit(self, text: str) -> float:
        """The linear model's score before calibration."""
        return self._intercept + sum(self.contributions(text).values())

    def probability(self, logit: float) -> float:
        slope, offset = self._platt
        exponent = -(slope * logit + offset)
        return 0.0 if exponent > 700 else 1.0 / (1.0 + math.exp(exponent))

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        return [{"toxicity": self.probability(self.logit(text))} for text in texts]

    def contributions(self, text: str) -> dict[str, float]:
        """Each known feature's share of the logit: its unit-length TF-IDF value times its
        weight."""
        values: dict[str, tuple[float, float]] = {}
        norm = 0.0
        for feature, count in Counter(self._featurize(text)).items():
            found = self._features.get(feature)
            if found is None:
                continue
            idf, weight = found
            value = (1.0 + math.log(count)) * idf
            values[feature] = (value, weight)
            norm += value * value
        length = math.sqrt(norm) or 1.0
        return {feature: value * weight / length for feature, (value, weight) in values.items()}
