"""Why a model scored a comment as it did: the few words or character n-grams that pushed its
score up most, as spans of the comment, so a moderator sees why it was held. A linear model says
so from its weights (`spans_of`); any other (Detoxify, its ONNX exports) is asked by occlusion
(`occlusion_spans`): how far its score falls without each word."""

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

MAX_SPANS = 5
MAX_OCCLUDED_WORDS = 64
"""The most words occlusion takes out one at a time: the batch is this many texts plus the
comment. A 250-character comment has at most about 60 words of prose, so only runs of one- and
two-letter words reach it; past it the longest words are tried (a short word is seldom the
insult), so the cost stays one forward pass of at most 65 short texts."""


@dataclass(frozen=True)
class Span:
    """`text[start:end]` (code points) and how far it pushed the model's score: for a linear
    model, before calibration (the largest of the features that fell inside it); by occlusion,
    the probability it adds (the score with it minus the score without it)."""

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


WHITESPACE_SEPARATED = re.compile(r"\S+")


def words_of(text: str) -> list[tuple[int, int]]:
    """The `(start, end)` code-point offsets of each word: a whitespace-separated piece (a Korean
    eojeol, particles and all) without the punctuation at its edges ("idiot," is "idiot", "don't"
    stays whole); a piece of punctuation alone is no word. Emoji and other symbols count: they
    carry tone."""
    words = []
    for piece in WHITESPACE_SEPARATED.finditer(text):
        start, end = piece.span()
        while start < end and _punctuation(text[start]):
            start += 1
        while end > start and _punctuation(text[end - 1]):
            end -= 1
        if start < end:
            words.append((start, end))
    return words


def _punctuation(character: str) -> bool:
    return unicodedata.category(character).startswith("P")


def without(text: str, start: int, end: int) -> str:
    """`text` with `text[start:end]` removed, and the space before it (after it, for the first
    word), so that no double space is left: byte-level tokenizers (RoBERTa's) would read one as
    a token of its own. Punctuation stays: "an idiot, really" becomes "an, really"."""
    before = text[:start].rstrip()
    return before + text[end:] if before else text[end:].lstrip()


def occlusion_spans(
    text: str,
    score_batch: Callable[[Sequence[str]], list[dict[str, float]]],
    limit: int = MAX_SPANS,
) -> list[Span]:
    """The `limit` words whose removal lowers the score most, strongest first: each word's
    weight is the score of `text` minus that of `text` without it (`without`), on the attribute
    the model scored highest (toxicity on a tie); words whose removal does not lower it are left
    out. The comment and every variant go to `score_batch` in one call, one forward pass, and
    the comment is scored in that batch rather than taken from its stored scores, so the
    differences compare like with like (int8 ONNX scores move a little with their batch).

    A word is removed rather than replaced by the tokenizer's [MASK] or [UNK]: Detoxify was
    fine-tuned on comments, which hold neither, so a stray special token moves scores by itself
    (and each model family names them differently), while a comment missing a word is the kind
    of text it learned from."""
    words = words_of(text)
    if len(words) > MAX_OCCLUDED_WORDS:
        longest = sorted(words, key=lambda word: (word[0] - word[1], word[0]))
        words = sorted(longest[:MAX_OCCLUDED_WORDS])
    if not words:
        return []
    scores = score_batch([text, *(without(text, start, end) for start, end in words)])
    if not scores[0]:
        return []
    attribute = max(scores[0], key=lambda name: (scores[0][name], name == "toxicity"))
    full = scores[0][attribute]
    drops = [
        (start, end, full - masked[attribute])
        for (start, end), masked in zip(words, scores[1:], strict=True)
    ]
    strongest = sorted(
        (drop for drop in drops if drop[2] > 0), key=lambda drop: (-drop[2], drop[0])
    )
    return [Span(start, end, text[start:end], weight) for start, end, weight in strongest[:limit]]
