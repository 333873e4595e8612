"""The text rules: a comment as a reader typed it, normalised and counted the way a reader
counts; and the plain-text rule for every other stored text."""

import unicodedata
from dataclasses import dataclass

import regex

COMMENT_LIMIT = 250
"""The "0/250자" counter under the comment box."""

MAX_CODE_POINTS_PER_CHARACTER = 16
"""The longest emoji ZWJ sequence with skin tones is 10 code points; "Zalgo" stacks go far
past it."""

_GRAPHEME = regex.compile(r"\X")
_SEEN = frozenset("LMNPS")
"""Categories a reader sees: letters, marks, numbers, punctuation, symbols (emoji), less what
draws nothing (`IGNORABLE`: a Hangul filler is a letter, a braille blank a symbol, a variation
selector a mark); a comment of joiners, fillers and spaces alone reads as empty."""
_ZERO_WIDTH_JOINERS = {"\u200c", "\u200d"}
# WAVING BLACK FLAG: the only base of emoji tag sequences (England, Scotland, Wales).
_TAG_BASE = "\U0001f3f4"
_TAG_RANGE = range(0xE0020, 0xE0080)

DEFAULT_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner, direction marks
    (0x202A, 0x202E),  # direction embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, isolates, deprecated formats
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors (VS16 makes an emoji of a symbol)
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical beam and phrase controls
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement, reserved
)
"""Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters a renderer
that does not support them shows as nothing. Generated from `regex`'s
`Default_Ignorable_Code_Point` property; tests/moderation/test_text.py checks it against every code
point, and against `unicodedata`'s categories and names."""

BLANK_GLYPHS = frozenset({"\u2800", "\U0001d159"})
"""Characters outside that property that fonts draw as nothing: the braille blank (a cell with
no dots) and the musical null notehead."""

IGNORABLE = (
    frozenset(chr(code) for low, high in DEFAULT_IGNORABLE_RANGES for code in range(low, high + 1))
    | BLANK_GLYPHS
)
"""What draws nothing where it stands: a text of these (and whitespace) is empty to a reader,
they never split a word for the word lists, and a character made of them alone is not
shown."""


class TextRuleViolation(ValueError):
    """A comment body that breaks a text rule; `code` is the API error code."""

    def __init__(self, *, code: str, detail: str, **extra: int) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True)
class CleanText:
    text: str
    length: int


def count_characters(text: str) -> int:
    """Counts extended grapheme clusters: a Hangul syllable, a ZWJ emoji family or a flag is one."""
    return len(_GRAPHEME.findall(text))


def is_visible(ch: str) -> bool:
    """Whether a reader sees the character: a letter, mark, number, punctuation or symbol that
    draws something (not a space, a control, a filler or a variation selector)."""
    return unicodedata.category(ch)[0] in _SEEN and ch not in IGNORABLE


def has_visible_character(text: str) -> bool:
    return any(is_visible(ch) for ch in set(text))


def clean_comment(raw: str, limit: int = COMMENT_LIMIT) -> CleanText:
    """Normalises a comment body and checks it; raises `TextRuleViolation` on the first broken
    rule.

    A comment with nothing a reader sees (whitespace, joiners, Hangul fillers, braille blanks,
    variation selectors: `IGNORABLE`) is empty. Inside visible text such characters are neither
    refused nor always kept, but decided per character as a reader sees it (grapheme cluster):
    - one that stands alone (a Hangul filler between two words, a braille blank, a stray
      variation selector or joiner after a space) draws nothing, so it is stripped: the stored
      text, the model, the word lists, the moderators and the 250 count then all see what a
      reader sees, and "scum", a filler, "bag" is "scumbag" to everyone. Refusing it instead would
      answer the writer with an error about something they cannot see or find (fillers come in
      by copy and paste);
    - one that is part of a visible character shapes it and is kept: VS16 in ❤️, the joiners
      of an emoji family, the tags of a flag, ZWNJ in Persian, a Hangul choseong filler before
      a vowel in old Hangul. The count is unchanged by them (one character each), and the
      word lists ignore them.
    Control and format characters other than the joiners and emoji tags stay refused
    (`comment_invalid_characters`)."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not has_visible_character(text):
        raise TextRuleViolation(code="comment_empty", detail="The comment is empty.")
    _refuse_invisible_characters(text)
    clusters = _GRAPHEME.findall(text)
    _check_characters(text, clusters)
    if not IGNORABLE.isdisjoint(text):
        shown = _as_shown(text, clusters)
        if shown != text:
            text = shown
            clusters = _GRAPHEME.findall(text)
            _check_characters(text, clusters)  # a stripped filler may have joined two
    if len(clusters) > limit:
        raise TextRuleViolation(
            code="comment_too_long",
            detail=f"The comment is {len(clusters)} characters long; the limit is {limit}.",
            length=len(clusters),
            limit=limit,
        )
    return CleanText(text=text, length=len(clusters))


def _as_shown(text: str, clusters: list[str]) -> str:
    """The text without the characters (clusters) made only of what draws nothing, and without
    the invisible ones at either end; NFC again, since what was between two characters may
    have kept them apart (a choseong and a jungseong compose into one syllable)."""
    kept = [cluster for cluster in clusters if not IGNORABLE.issuperset(cluster)]
    first = next(i for i, cluster in enumerate(kept) if has_visible_character(cluster))
    last = next(i for i in reversed(range(len(kept))) if has_visible_character(kept[i]))
    if first == 0 and last == len(clusters) - 1:
        return text  # nothing dropped: the usual case, an emoji with its selector or joiners
    return unicodedata.normalize("NFC", "".join(kept[first : last + 1]))


def _has_tag_character(text: str) -> bool:
    return any(ord(ch) in _TAG_RANGE for ch in set(text))


def _check_characters(text: str, clusters: list[str]) -> None:
    if _has_tag_character(text) or max(map(len, clusters)) > MAX_CODE_POINTS_PER_CHARACTER:
        _check_clusters(clusters)


def _check_clusters(clusters: list[str]) -> None:
    """The rules on single characters, in reading order, for the rare comment that may break
    one (a long cluster, or tag characters anywhere)."""
    for cluster in clusters:
        if len(cluster) > MAX_CODE_POINTS_PER_CHARACTER:
            raise TextRuleViolation(
                code="comment_invalid_characters",
                detail="The comment stacks too many combining marks on one character.",
            )
        if any(ord(ch) in _TAG_RANGE for ch in cluster) and not _is_emoji_tag_sequence(cluster):
            raise TextRuleViolation(
                code="comment_invalid_characters",
                detail="The comment contains hidden tag characters.",
            )


def _refuse_invisible_characters(text: str) -> None:
    """Control and format characters hide text from readers and word lists (Trojan Source,
    zero-width spam); newline, the joiners that emoji and some scripts need, and emoji tags pass."""
    hidden = first_invisible_character(text, newlines=True)
    if hidden is not None:
        raise TextRuleViolation(
            code="comment_invalid_characters",
            detail=f"The comment contains an invisible control character (U+{ord(hidden):04X}).",
        )


def _is_invisible(ch: str) -> bool:
    if ch in _ZERO_WIDTH_JOINERS or ord(ch) in _TAG_RANGE:
        return False
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs"}


def first_invisible_character(text: str, *, newlines: bool) -> str | None:
    """The first control or format character of `text` (a newline only counts when `newlines` is
    false), or None. Each distinct character is looked up once: a comment of 250 characters
    has a few dozen."""
    if not any(_is_invisible(ch) for ch in set(text)):
        return None
    for ch in text:
        if ch == "\n" and newlines:
            continue
        if _is_invisible(ch):
            return ch
    return None


def clean_plain_text(raw: str, *, newlines: bool = False) -> str:
    """The rule for every other stored text (notes, reasons, word-list entries): NFC, trimmed, no
    control or format characters (NUL included, which PostgreSQL cannot store). Raises
    `ValueError` naming the character."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()
    hidden = first_invisible_character(text, newlines=newlines)
    if hidden is not None:
        raise ValueError(f"contains an invisible control character (U+{ord(hidden):04X})")
    return text


def plain_text_pattern(*, newlines: bool) -> str:
    """The plain-text rule as a regular expression for documents (JSON Schema `pattern`): no
    character of the Basic Multilingual Plane that `clean_plain_text` refuses. The few such
    characters beyond it are left to the rule itself."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF or (ch == "\n" and newlines) or not _is_invisible(ch):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    members = "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )
    return f"^[^{members}]*$"


def without_invisible_characters(text: str) -> str:
    """Text from elsewhere (a provider's profile) with its control and format characters dropped,
    since there is nobody to ask to fix it."""
    return "".join(ch for ch in text if not _is_invisible(ch))


def _is_emoji_tag_sequence(cluster: str) -> bool:
    body = cluster[1:-1]
    return (
        cluster.startswith(_TAG_BASE)
        and cluster.endswith("\U000e007f")
        and all(ord(ch) in _TAG_RANGE for ch in body)
    )
