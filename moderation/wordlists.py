"""Banned and suspect word lists: whole-word, case-insensitive, Unicode-aware matching that sees
through the cheap tricks (spaced or dotted letters, repeated letters, look-alike characters)
without regular expressions, so no entry or comment can make it slow.

Both the comment and each entry are reduced to a *skeleton*: what draws nothing dropped
(`moderation.text.IGNORABLE`: zero-width characters, Hangul fillers, braille blanks, variation
selectors, the combining grapheme joiner; none of them splits a word), compatibility-normalised,
case-folded, accents and look-alikes mapped to plain letters, separators dropped and runs of one
letter collapsed. An entry matches where its skeleton occurs in the comment's skeleton and the
occurrence starts and ends at word boundaries of the original text. Entries written in Hangul or
Han characters match anywhere, because Korean attaches particles to words ("바보야").
"""

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from moderation.text import IGNORABLE

MAX_ENTRY_LENGTH = 64

# Look-alike letters from other scripts (Cyrillic, Greek, IPA). NFKC already folds full-width,
# circled and mathematical letters.
_HOMOGLYPHS = str.maketrans(
    {
        "\u0430": "a",  # Cyrillic small a
        "\u0435": "e",
        "\u043e": "o",
        "\u0440": "p",
        "\u0441": "c",
        "\u0443": "y",
        "\u0445": "x",
        "\u0456": "i",
        "\u0458": "j",
        "\u0455": "s",
        "\u0501": "d",
        "\u03b1": "a",  # Greek small alpha
        "\u03bf": "o",
        "\u03b9": "i",
        "\u03bd": "v",
        "\u03ba": "k",
        "\u03c4": "t",
        "\u0261": "g",  # Latin script small g
    }
)
# Leetspeak: digits and symbols read as letters, but only inside a word that has letters ("1d10t",
# "sh!t"), so "5 cats" keeps its number and "idiot!" its exclamation mark.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}


def _unleet(text: str) -> str:
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if any(ch.isalpha() for ch in run):
            end = len(run)
            while end and run[end - 1] == "!":
                end -= 1
            out.extend(_LEET.get(ch, ch) for ch in run[:end])
            out.extend(run[end:])
        else:
            out.extend(run)
        run.clear()

    for ch in text:
        if ch.isalpha() or ch in _LEET:
            run.append(ch)
        else:
            flush()
            out.append(ch)
    flush()
    return "".join(out)


_MAX_GAP = 2
"""Separators that still join letters into one word when used to split it ("i.d.i.o.t")."""


def _visible(text: str) -> str:
    """The text without what draws nothing: "scum", a Hangul filler, "bag" is "scumbag". First,
    since compatibility normalisation turns the Hangul filler into a jungseong filler, a letter
    to `str.isalpha`."""
    if IGNORABLE.isdisjoint(text):
        return text
    return "".join(ch for ch in text if ch not in IGNORABLE)


def _plain_letters(text: str) -> str:
    """Invisible characters dropped, NFKC, case-fold, look-alikes to letters, accents stripped
    (Hangul recomposed)."""
    visible = _visible(text)
    folded = _unleet(unicodedata.normalize("NFKC", visible).casefold().translate(_HOMOGLYPHS))
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", folded) if unicodedata.category(ch) != "Mn"
    )
    return unicodedata.normalize("NFC", stripped)


def _is_cjk(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("HANGUL", "CJK"))


def _pieces(plain: str) -> Iterator[tuple[str, str]]:
    """(separators before, letters) for each run of letters."""
    gap: list[str] = []
    letters: list[str] = []
    for ch in plain:
        if ch.isalpha():
            letters.append(ch)
            continue
        if letters:
            yield "".join(gap), "".join(letters)
            gap, letters = [], []
        gap.append(ch)
    if letters:
        yield "".join(gap), "".join(letters)


def _joins(gap: str, *, previous: str, piece: str) -> bool:
    """Whether a gap splits one word rather than separating two: a short run of punctuation
    ("f-u-c-k", "sh.it"), or spaces between single letters ("i d i o t")."""
    if len(gap) > _MAX_GAP:
        return False
    if any(ch.isspace() for ch in gap):
        return len(previous) == 1 and len(piece) == 1
    return True


def _runs(word: str) -> tuple[tuple[str, int], ...]:
    """ "idiooot" as ((i,1), (d,1), (i,1), (o,3), (t,1))."""
    runs: list[tuple[str, int]] = []
    for ch in word:
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    return tuple(runs)


def _spells(text_word: str, *, entry: str) -> bool:
    """Whether the text spells the entry, letters possibly repeated ("idiooot" spells "idiot";
    "as" does not spell "ass")."""
    text_runs, entry_runs = _runs(text_word), _runs(entry)
    return len(text_runs) == len(entry_runs) and all(
        t_letter == e_letter and t_count >= e_count
        for (t_letter, t_count), (e_letter, e_count) in zip(text_runs, entry_runs, strict=True)
    )


def _key(word: str) -> str:
    return "".join(letter for letter, _ in _runs(word))


def _split_words(text: str) -> list[list[str]]:
    """The text's words, each as the pieces it was written in ("s.c.u.m" is s, c, u, m)."""
    words: list[list[str]] = []
    previous = ""
    for gap, piece in _pieces(_plain_letters(text)):
        if words and _joins(gap, previous=previous, piece=piece):
            words[-1].append(piece)
        else:
            words.append([piece])
        previous = piece
    return words


def words_of(text: str) -> list[str]:
    """The text as a reader would spell its words out, tricks undone."""
    return ["".join(pieces) for pieces in _split_words(text)]


def _spellings(pieces: list[str]) -> Iterator[str]:
    """Every run of consecutive pieces of one written word, up to the longest entry: "a s.c.u.m"
    may be "a" followed by "scum", and "f-u-c-k-i-n-g" contains "fuck"."""
    for start in range(len(pieces)):
        spelled = ""
        for piece in pieces[start:]:
            spelled += piece
            if len(spelled) > 2 * MAX_ENTRY_LENGTH:
                break
            yield spelled


def normalise_entry(entry: str) -> str:
    """The form an entry is stored in: invisible characters dropped, trimmed, NFKC, case-folded,
    inner whitespace single; empty when it has no letters or is too long."""
    cleaned = " ".join(unicodedata.normalize("NFKC", _visible(entry)).casefold().split())
    if not any(ch.isalpha() for ch in cleaned) or len(cleaned) > MAX_ENTRY_LENGTH:
        return ""
    return cleaned


@dataclass(frozen=True)
class _Entry:
    word: str
    words: tuple[str, ...]
    anywhere: bool


class WordList:
    """A compiled list; build one per change of the list, match many comments against it."""

    def __init__(self, entries: Iterable[str]) -> None:
        compiled = []
        for entry in entries:
            words = tuple(words_of(entry))
            if words:
                anywhere = all(_is_cjk(ch) for word in words for ch in word)
                compiled.append(_Entry(entry, words, anywhere))
        self._entries = tuple(compiled)
        self._by_key: dict[str, list[_Entry]] = {}
        for compiled_entry in compiled:
            if len(compiled_entry.words) == 1 and not compiled_entry.anywhere:
                key = _key(compiled_entry.words[0])
                self._by_key.setdefault(key, []).append(compiled_entry)
        self._others = tuple(e for e in compiled if len(e.words) > 1 or e.anywhere)

    def find(self, text: str) -> str | None:
        """The first entry the text contains, or None; linear in the text for one-word entries."""
        if not self._entries:
            return None
        split = _split_words(text)
        for pieces in split:
            for spelled in _spellings(pieces):
                for entry in self._by_key.get(_key(spelled), ()):
                    if _spells(spelled, entry=entry.words[0]):
                        return entry.word
        words = ["".join(pieces) for pieces in split]
        for entry in self._others:
            if entry.anywhere:
                if any(part in word for part in entry.words for word in words):
                    return entry.word
                continue
            span = len(entry.words)
            for i in range(len(words) - span + 1):
                window = words[i : i + span]
                if all(_spells(w, entry=e) for w, e in zip(window, entry.words, strict=True)):
                    return entry.word
        return None
