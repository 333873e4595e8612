"""Why a linear model scored a comment as it did: the few words or character n-grams that pushed
its score up most, as spans of the comment, so a moderator sees why it was held."""

from collections.abc import Iterable
from dataclasses import dataclass

MAX_SPANS = 5


@dataclass(frozen=True)
class Span:
    """`text[start:end]` (code points) and how far it pushed the model's score before
    calibration (the largest of the features that fell inside it)."""

    start: int
    end: int
    text: str
    weight: float


@dataclass(frozen=True)
class Explanation:
    model_id: str
    spans: list[Span]
    """Strongest first."""


def spans_of(text: str, pieces: Iterable[tuple[str, float]], limit: int = MAX_SPANS) -> list[Span]:
    """Where the `limit` most positively weighted `pieces` (lower-case features) occur in
    `text`, overlapping ones merged into one span. A space at either end of a piece means a word
    boundary there (a word feature is passed as " word ", a character n-gram keeps the padding
    `char_wb` gave it), so "idiot" is not found inside "idiotically", nor " 개 " inside 개나리. A
    piece the text does not contain as such (a word bigram across punctuation) is left out rather
    than guessed."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer: offsets would shift
        lowered = "".join(character.lower()[:1] for character in text)
    strongest_pieces = sorted(
        ((piece, weight) for piece, weight in pieces if weight > 0 and piece.strip()),
        key=lambda item: -item[1],
    )[:limit]
    found: list[tuple[int, int, float]] = []
    for piece, weight in strongest_pieces:
        needle = piece.strip()
        starts_word, ends_word = piece[0].isspace(), piece[-1].isspace()
        start = lowered.find(needle)
        while start != -1:
            end = start + len(needle)
            if (not starts_word or start == 0 or not lowered[start - 1].isalnum()) and (
                not ends_word or end == len(lowered) or not lowered[end].isalnum()
            ):
                found.append((start, end, weight))
            start = lowered.find(needle, start + 1)
    merged: list[tuple[int, int, float]] = []
    for start, end, weight in sorted(found):
        if merged and start <= merged[-1][1]:
            last_start, last_end, last_weight = merged[-1]
            merged[-1] = (last_start, max(end, last_end), max(weight, last_weight))
        else:
            merged.append((start, end, weight))
    strongest = sorted(merged, key=lambda span: (-span[2], span[0]))
    return [Span(start, end, text[start:end], round(weight, 4)) for start, end, weight in strongest]
