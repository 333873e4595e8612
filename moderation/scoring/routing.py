"""Language routing: Korean text to the Korean model, other text to the English one, text in both
to both with the higher score winning. The site's readers write in English and in Korean, often
in one comment, and neither model sees the other language's abuse."""

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from moderation.scoring.explanations import Explanation
from moderation.scoring.korean import KoreanScorer
from moderation.scoring.scorers import (
    DetoxifyScorer,
    Scorer,
    ScorerUnavailable,
    Scores,
    detoxify_installed,
    detoxify_weights_available,
)

Language = Literal["en", "ko"]
KoreanChoice = Literal["embedded", "multilingual", "scorer"]

MIXED_LATIN_LETTERS = 4
"""A Korean comment names K-pop acts and brands in Latin letters ("BTS", "LG"); it takes a Latin
word of this many letters to count as English too."""


@runtime_checkable
class Explaining(Protocol):
    """A model that can say which parts of a text pushed its score up: the linear ones from
    their weights, Detoxify and its ONNX exports by occlusion."""

    model_id: str

    def explain(self, text: str) -> Explanation | None: ...


def _hangul(character: str) -> bool:
    code = ord(character)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def languages(text: str) -> frozenset[Language]:
    """`ko` when the text has Hangul, `en` when it has a Latin word of at least
    `MIXED_LATIN_LETTERS` letters or no Hangul at all (numbers, emoji: the English model)."""
    korean = any(_hangul(character) for character in text)
    longest_latin = run = 0
    for character in text:
        run = run + 1 if ("a" <= character <= "z" or "A" <= character <= "Z") else 0
        longest_latin = max(longest_latin, run)
    found: set[Language] = set()
    if korean:
        found.add("ko")
    if not korean or longest_latin >= MIXED_LATIN_LETTERS:
        found.add("en")
    return frozenset(found)


def merged(first: Scores, second: Scores) -> Scores:
    """Every attribute either model reports, the higher where both do."""
    return {name: max(first.get(name, 0.0), second.get(name, 0.0)) for name in {**first, **second}}


class RoutedScorer:
    """Scores each text with the models of its languages, each model's share in one batch. With
    one model for both (`COMMENTMOD_KOREAN_SCORER=scorer`: Detoxify `multilingual`), every text
    goes to it once."""

    def __init__(self, *, english: Scorer, korean: Scorer) -> None:
        self.english = english
        self.korean = korean
        self._models: tuple[tuple[Language, Scorer], ...] = (
            (("en", english), ("ko", korean)) if korean is not english else (("en", english),)
        )
        self.model_id = ";".join(model.model_id for _, model in self._models)

    def _languages(self, text: str) -> frozenset[Language]:
        return languages(text) if len(self._models) > 1 else frozenset({"en"})

    def model_id_for(self, text: str) -> str:
        """The models that scored this text, as stored with it."""
        found = self._languages(text)
        return ";".join(model.model_id for language, model in self._models if language in found)

    def explainers(self, scored_by: str) -> list[Explaining]:
        """The models named in `scored_by` (the comment's stored model id, models joined by
        `;`) that are loaded now and can say why; a model since replaced cannot."""
        named = set(scored_by.split(";"))
        return [
            model
            for _, model in self._models
            if model.model_id in named and isinstance(model, Explaining)
        ]

    def explain(self, text: str, scored_by: str) -> list[Explanation]:
        """Why each of `explainers(scored_by)` scored `text` as it did."""
        explanations = (model.explain(text) for model in self.explainers(scored_by))
        return [explanation for explanation in explanations if explanation is not None]

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        found = [self._languages(text) for text in texts]
        scores: list[Scores] = [{} for _ in texts]
        for language, model in self._models:
            rows = [row for row, seen in enumerate(found) if language in seen]
            if not rows:
                continue
            for row, row_scores in zip(
                rows, model.score_batch([texts[i] for i in rows]), strict=True
            ):
                scores[row] = merged(scores[row], row_scores)
        return scores


def build_korean_scorer(choice: KoreanChoice, *, english: Scorer) -> Scorer:
    """The embedded model; Detoxify `multilingual` (XLM-RoBERTa) under PyTorch, which must be in
    the torch.hub cache (asked for by name, its absence stops the start with the reason); or
    `english` itself, for a configured model that reads Korean (`multilingual` or its export)."""
    if choice == "embedded":
        return KoreanScorer()
    if choice == "scorer":
        return english
    if not detoxify_installed() or not detoxify_weights_available(
        "multilingual", checkpoint=None, config_dir=None
    ):
        raise ScorerUnavailable(
            "COMMENTMOD_KOREAN_SCORER=multilingual but Detoxify `multilingual` is not in the "
            "torch.hub cache (or PyTorch is not installed)"
        )
    return DetoxifyScorer("multilingual")
