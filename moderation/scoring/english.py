"""The embedded English model: the mean of two linear models shipped in the package, no download.

- `EnglishScorer`: words, word pairs and character n-grams (the file `english_model.json.gz`,
  rebuilt by `make train-english`; data, figures, licences and limits in
  docs/english-model-card.md), trained on news comments (Civil Comments) as well as tweets
  (OLID), the civil examples taken from the same comments as the toxic ones, so that "reads like
  a news comment" is not what it learns. Character n-grams catch spellings around filters
  ("st*pid", "idiooot").
- `ProfanityCheckScorer`: alt-profanity-check's model, trained to spot profanity.

Their mean ranks comments better than either alone on every held-out set measured
(`benchmarks/evaluate_english.py`). Both are bags of n-grams: a threat or an identity attack in
polite words is beyond them; Detoxify (`commentmod scorer fetch`) is the model for that."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from moderation.scoring.explanations import Explanation, spans_of
from moderation.scoring.linear import LinearScorer, model_bytes, read_model, write_model
from moderation.scoring.scorers import ProfanityCheckScorer, Scores, SingleModel

MODEL_FILE = "english_model.json.gz"
CHAR_SIZES = (2, 3, 4, 5)
WORD_PATTERN = re.compile(r"\b\w[\w']*\b")
"""A word, apostrophes inside it kept ("don't", "you're"), as the comment's reader sees it."""
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")
WORD, CHARS = "w", "c"
"""Feature kinds, the first character of a feature's key: a word or word pair, a character
n-gram."""


def features(text: str) -> list[str]:
    """Every feature of the NFC, lower-cased text: `w` + each word and each pair of adjacent
    words, `c` + scikit-learn's `char_wb` n-grams of sizes 2 to 5 (see `char_grams`). The training
    script uses this very function, so the two cannot disagree."""
    normal = unicodedata.normalize("NFC", text).lower()
    words = WORD_PATTERN.findall(normal)
    found = [WORD + word for word in words]
    found.extend(f"{WORD}{first} {second}" for first, second in pairwise(words))
    for word in normal.split():
        found.extend(CHARS + gram for gram in char_grams(word))
    return found


def char_grams(word: str) -> list[str]:
    """scikit-learn's `char_wb` n-grams of one whitespace-separated word: padded with a space on
    both sides, n-grams inside it; a word no longer than n gives itself once and nothing
    longer."""
    padded = f" {word} "
    grams: list[str] = []
    for size in CHAR_SIZES:
        if len(padded) <= size:
            grams.append(padded)
            break
        grams.extend(padded[start : start + size] for start in range(len(padded) - size + 1))
    return grams


def as_piece(feature: str) -> str:
    """A feature as `spans_of` looks for it: a word or word pair as a whole word (spaces at both
    ends), a character n-gram as is (its padding marks the word boundaries it had)."""
    body = feature[1:]
    return f" {body} " if feature[0] == WORD else body


@dataclass(frozen=True)
class EnglishModel:
    """TF-IDF (sublinear counts, smoothed idf, unit length) times logistic-regression weights,
    then Platt scaling fitted on held-apart predictions: p = sigmoid(a * z + b)."""

    features: list[str]
    idf: list[float]
    weights: list[float]
    intercept: float
    platt: tuple[float, float]
    metrics: dict[str, Any]
    """What the training script measured, for the model card and the evaluation script."""

    def write(self, path: Path) -> None:
        write_model(asdict(self), path)

    @classmethod
    def read(cls, data: bytes) -> "EnglishModel":
        return cls(**read_model(data))


class EnglishScorer(LinearScorer):
    """`{"toxicity": p}` for English text; about half a millisecond a comment, no download, no
    PyTorch."""

    def __init__(self, path: Path | None = None) -> None:
        data = model_bytes(path, MODEL_FILE)
        model = EnglishModel.read(data)
        self.model = model
        super().__init__(
            data,
            name="english-ngrams",
            featurize=features,
            features=model.features,
            idf=model.idf,
            weights=model.weights,
            intercept=model.intercept,
            platt=model.platt,
        )

    def explain(self, text: str) -> Explanation:
        return Explanation(self.model_id, spans_of(text, self.pieces(text).items()))

    def pieces(self, text: str) -> dict[str, float]:
        """The words and word pairs with their shares of the logit. A word's share is its own
        feature's plus its character n-grams': n-grams alone would show fragments ("idio"), and
        a moderator reads words."""
        contributions = self.contributions(text)
        pieces: dict[str, float] = {
            as_piece(feature): share
            for feature, share in contributions.items()
            if feature[0] == WORD and " " in feature
        }
        for word in set(unicodedata.normalize("NFC", text).lower().split()):
            core = _EDGE_PUNCTUATION.sub("", word)
            if not core:
                continue
            share = contributions.get(WORD + core, 0.0) + sum(
                contributions.get(CHARS + gram, 0.0) for gram in set(char_grams(word))
            )
            pieces[f" {core} "] = max(share, pieces.get(f" {core} ", share))
        return pieces


class EmbeddedScorer(SingleModel):
    """The English model when no Detoxify is installed: `{"toxicity": p}`, the mean of the two
    linear models' probabilities; about half a millisecond a comment."""

    def __init__(self) -> None:
        self.profanity = ProfanityCheckScorer()
        self.ngrams = EnglishScorer()
        self.model_id = f"{self.ngrams.model_id}+{self.profanity.model_id}"

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        pairs = zip(self.ngrams.score_batch(texts), self.profanity.score_batch(texts), strict=True)
        return [
            {"toxicity": (first["toxicity"] + second["toxicity"]) / 2} for first, second in pairs
        ]

    def explain(self, text: str) -> Explanation:
        """Each word's share of the two models' logits, halved as their mean halves them."""
        pieces = {piece: share / 2 for piece, share in self.ngrams.pieces(text).items()}
        for piece, share in self.profanity.pieces(text) or ():
            pieces[piece] = pieces.get(piece, 0.0) + share / 2
        return Explanation(self.model_id, spans_of(text, pieces.items()))
