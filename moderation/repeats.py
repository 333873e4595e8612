"""Repeated comments, found by index lookups instead of scans.

Two checks, each on its own normal form of the text:

- the same account posting the same comment twice (a double-click, a retry, a flood):
  `repeat_key` is a fixed-length digest of the text with only what a reader does not count as
  a difference taken out (case, width, spacing, punctuation, invisible characters). Digits and
  emoji stay: "point 3" then "point 4" are two comments. The service stores the key per comment
  and asks "has this account a comment with this key?", an equality lookup on one column;
- several accounts posting near-copies of one text (a campaign): `campaign_text` also erases
  numbers and emoji, `shingles` cuts it into overlapping 3-character pieces and `similarity`
  compares two such sets (Jaccard). Comparing a new comment with every stored one is a scan of
  the whole history, so `band_keys` turns the set into a few MinHash-LSH keys instead: texts
  that are nearly the same share a key with near certainty, unrelated texts almost never do.
  The service stores the keys in an indexed column and fetches as candidates only the comments
  that share one, then confirms each with `similarity` on their shingles.

Everything stored is deterministic across processes, machines and Python versions: the repeat
key and the band keys are `hashlib` digests (never the salted built-in `hash()`), a shingle is
its code points mixed by fixed arithmetic, and the MinHash coefficients are derived from
`hashlib` too, since `random` promises a stable sequence only for `random()` itself. A change to
any of it makes the stored keys unreadable (near-copies posted across such a change are not
matched until the old keys age out), hence the hard-coded keys in the tests.
The normal forms follow `unicodedata`; Unicode's stability policy keeps NFKC and case folding of
assigned characters fixed, so a Python upgrade changes them only for newly assigned ones.
"""

import hashlib
import struct
import unicodedata

import numpy as np
import regex

from moderation.text import IGNORABLE

_IGNORABLE_TABLE = dict.fromkeys(map(ord, IGNORABLE))
_SPACE_AND_PUNCTUATION = regex.compile(r"[\s\p{P}]+")
_SYMBOLS = regex.compile(r"[\p{S}\U0001F3FB-\U0001F3FF\u20E3]+")
"""Symbols (emoji, currency, arrows, math) with the emoji modifiers: skin tones (themselves
symbols) and the combining keycap (an enclosing mark). Joiners, variation selectors and tags
are already gone as `IGNORABLE`."""
_DIGIT_RUN = regex.compile(r"\p{Nd}+")


def _repeat_form(text: str) -> str:
    """The text as `repeat_key` sees it. Invisible characters go first, so that one between two
    jamo does not keep them apart; NFKC, casefold, NFKC again is Unicode's compatibility
    caseless match (casefold may leave text that NFKC changes: "ǰ" folds decomposed); NFC at
    the end composes what the removed spaces and punctuation had kept apart."""
    text = unicodedata.normalize("NFKC", text.translate(_IGNORABLE_TABLE))
    text = unicodedata.normalize("NFKC", text.casefold()).translate(_IGNORABLE_TABLE)
    return unicodedata.normalize("NFC", _SPACE_AND_PUNCTUATION.sub("", text))


def repeat_key(text: str) -> str:
    """The text normalised for the same-account repeat check, as a fixed-length hex digest
    (sha256, first 32 hex characters: 128 bits, a fixed-width indexed column).

    Normalisation: NFKC (full-width letters and digits become ASCII; compatibility Hangul
    letters become conjoining jamo, and a leading consonant followed by a vowel composes into a
    syllable, so "ㅎㅏ" is "하"; a text typed as conjoining jamo, as NFD writes it, equals the
    composed one), casefold, the characters of `moderation.text.IGNORABLE` removed (zero-width
    space, soft hyphen, joiners, variation selectors, Hangul fillers), whitespace removed,
    punctuation (category P*) removed. Digits and emoji are kept: the same reader writing
    "point 3" then "point 4" wrote two comments.

    A final consonant typed as a compatibility letter stays a letter of its own ("ㅎㅏㄴ" is not
    "한": NFKC maps "ㄴ" to a leading consonant), which also keeps "ㅋㅋ" laughter as typed.
    A text of punctuation and spaces alone normalises to nothing: all such texts share one key,
    which is still right for one account posting "!!!" twice."""
    return hashlib.sha256(_repeat_form(text).encode("utf-8")).hexdigest()[:32]


def campaign_text(text: str) -> str:
    """The text normalised for near-duplicate detection across accounts: `repeat_key`'s normal
    form, then symbols (category S*: emoji, currency, arrows) and emoji modifiers dropped and
    every digit run made "0", so that a changed price, count or emoji does not make a campaign
    comment new. A text of emoji alone normalises to "" and takes part in no campaign."""
    text = _SYMBOLS.sub("", _repeat_form(text))
    return unicodedata.normalize("NFC", _DIGIT_RUN.sub("0", text))


SHINGLE = 3
"""Characters per shingle: short enough that one changed word changes few of them, long enough
that two unrelated texts share few (Korean syllables carry more per character than letters)."""


_CODE_POINT_BITS = 21
"""Every Unicode code point fits in 21 bits (up to 0x10FFFF)."""
_NO_CHARACTER = (1 << _CODE_POINT_BITS) - 1
"""0x1FFFFF, no code point: pads a text shorter than a shingle."""


_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, a bijection of 64-bit integers that spreads neighbouring inputs
    over the whole range: MinHash's linear hashes need shingles that look random, and packed
    code points differ in a few low bits."""
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX_1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX_2
    mixed: np.ndarray = values ^ (values >> np.uint64(31))
    return mixed


def shingles(normalised: str) -> frozenset[int]:
    """The character 3-shingles of `campaign_text`'s output, each as a 64-bit integer: its three
    code points side by side (21 bits each), mixed (`_mix`), so equal shingles give equal
    integers on every machine and unequal ones never collide, with no digest per shingle. A
    text shorter than 3 characters is one shingle of its own (padded with `_NO_CHARACTER`), so
    two short texts still compare; an empty text gives the empty set."""
    if not normalised:
        return frozenset()
    padded = normalised + chr(0) * max(0, SHINGLE - len(normalised))
    points = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(normalised) < SHINGLE:
        points[len(normalised) :] = _NO_CHARACTER
    packed = points[: len(points) - SHINGLE + 1].copy()
    for offset in range(1, SHINGLE):
        packed <<= np.uint64(_CODE_POINT_BITS)
        packed |= points[offset : len(points) - SHINGLE + 1 + offset]
    return frozenset(_mix(packed).tolist())


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two shingle sets (shared over all); 0.0 when both are empty, since
    two empty texts are no evidence of a campaign."""
    shared = len(a & b)
    union = len(a) + len(b) - shared
    return shared / union if union else 0.0


BANDS = 8
ROWS = 4
"""32 MinHash functions in 8 bands of 4. Two texts share a band with probability
1 - (1 - s**4)**8 at similarity s: above 0.9998 at s = 0.9, 0.40 at s = 0.5, 0.063 at s = 0.3,
0.013 at s = 0.2 and under 0.001 at s = 0.1."""

_PRIME = (1 << 61) - 1
"""The Mersenne prime of the universal hash (a*x + b) mod p."""


def _coefficient(purpose: str, index: int, modulus: int) -> int:
    digest = hashlib.blake2b(f"commentmod.repeats {purpose} {index}".encode(), digest_size=16)
    return int.from_bytes(digest.digest(), "big") % modulus


_COEFFICIENTS = tuple(
    (1 + _coefficient("a", i, _PRIME - 1), _coefficient("b", i, _PRIME))
    for i in range(BANDS * ROWS)
)
"""The 32 fixed (a, b) pairs, a in 1..p-1 and b in 0..p-1, derived from fixed labels: the same
on every machine and Python version, unlike `random`'s integer methods."""
_BAND = struct.Struct(f">B{ROWS}Q")
_MASK31 = (1 << 31) - 1
_MASK30 = (1 << 30) - 1
_A = np.array([a for a, _ in _COEFFICIENTS], dtype=np.uint64)[:, None]
_A_HIGH, _A_LOW = _A >> np.uint64(31), _A & np.uint64(_MASK31)
_B = np.array([b for _, b in _COEFFICIENTS], dtype=np.uint64)[:, None]


def _minima(shingle_set: frozenset[int]) -> list[int]:
    """min over x of (a*x + b) mod p for each (a, b), exactly as Python's integers compute it,
    in 64-bit numpy arithmetic: a and x split into 31-bit halves, and 2**61 = 1 (mod p) folds
    every partial product back under 2**63 (a post's text is hashed 32 times over each of its
    shingles: in plain Python that alone was a millisecond)."""
    x = np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set))[None, :] % np.uint64(
        _PRIME
    )
    x_high, x_low = x >> np.uint64(31), x & np.uint64(_MASK31)
    middle = _A_HIGH * x_low + _A_LOW * x_high  # < 2**62
    total = (
        np.uint64(2) * (_A_HIGH * x_high)  # the 2**62 part: 2**62 = 2 (mod p)
        + (middle >> np.uint64(30))  # the 2**61 part of middle * 2**31
        + ((middle & np.uint64(_MASK30)) << np.uint64(31))
        + _A_LOW * x_low
        + _B
    )
    prime = np.uint64(_PRIME)
    reduced = (total & prime) + (total >> np.uint64(61))
    reduced = np.where(reduced >= prime, reduced - prime, reduced)
    return [int(value) for value in reduced.min(axis=1)]


def band_keys(shingle_set: frozenset[int]) -> list[int]:
    """MinHash-LSH keys: `BANDS` signed 64-bit integers (a BIGINT column), one per band, each a
    digest of the band's index and its `ROWS` minimum hashes, so that equal minima in different
    bands give different keys. Two texts of similarity >= 0.9 share at least one key with
    probability above 0.999; two unrelated ones almost never do. The empty set has no keys:
    there is nothing to match."""
    if not shingle_set:
        return []
    minima = _minima(shingle_set)
    return [
        int.from_bytes(
            hashlib.blake2b(
                _BAND.pack(band, *minima[band * ROWS : (band + 1) * ROWS]), digest_size=8
            ).digest(),
            "big",
            signed=True,
        )
        for band in range(BANDS)
    ]
