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
"""Categories a reader sees: letters, marks, numbers, punctuation, symbols (emoji); a comment
of joiners and spaces alone reads as empty."""
_ZERO_WIDTH_JOINERS = {"\u200c", "\u200d"}
# WAVING BLACK FLAG: the only base of emoji tag sequences (England, Scotland, Wales).
_TAG_BASE = "\U0001f3f4"
_TAG_RANGE = range(0xE0020, 0xE0080)


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


def clean_comment(raw: str, limit: int = COMMENT_LIMIT) -> CleanText:
    """Normalises a comment body and checks it; raises `TextRuleViolation` on the first broken
    rule."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not any(unicodedata.category(ch)[0] in _SEEN for ch in text):
        raise TextRuleViolation(code="comment_empty", detail="The comment is empty.")
    _refuse_invisible_characters(text)
    clusters = _GRAPHEME.findall(text)
    if _has_tag_character(text) or max(map(len, clusters)) > MAX_CODE_POINTS_PER_CHARACTER:
        _check_clusters(clusters)
    if len(clusters) > limit:
        raise TextRuleViolation(
            code="comment_too_long",
            detail=f"The comment is {len(clusters)} characters long; the limit is {limit}.",
            length=len(clusters),
            limit=limit,
        )
    return CleanText(text=text, length=len(clusters))


def _has_tag_character(text: str) -> bool:
    return any(ord(ch) in _TAG_RANGE for ch in set(text))


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
