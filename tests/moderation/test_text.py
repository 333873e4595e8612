import array
import re
import unicodedata

import pytest
import regex

from moderation.text import (
    BLANK_GLYPHS,
    COMMENT_LIMIT,
    DEFAULT_IGNORABLE_RANGES,
    IGNORABLE,
    TextRuleViolation,
    clean_comment,
    count_characters,
    first_invisible_character,
    has_visible_character,
    plain_text_pattern,
)

HANGUL_SYLLABLES = "가나다라마바사아자차카타파하한국어뉴스"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # ZWJ family, 7 code points
KOREAN_FLAG = "\U0001f1f0\U0001f1f7"
ENGLAND_FLAG = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
THUMBS_UP_DARK = "\U0001f44d\U0001f3ff"


def violation(raw: str) -> TextRuleViolation:
    with pytest.raises(TextRuleViolation) as caught:
        clean_comment(raw)
    return caught.value


def hangul(n: int) -> str:
    return "".join(HANGUL_SYLLABLES[i % len(HANGUL_SYLLABLES)] for i in range(n))


def test_250_hangul_syllables_sent_decomposed_are_accepted_and_recomposed() -> None:
    decomposed = unicodedata.normalize("NFD", hangul(COMMENT_LIMIT))
    assert len(decomposed) > 2 * COMMENT_LIMIT  # jamo: each syllable is 2-3 code points

    cleaned = clean_comment(decomposed)

    assert cleaned.length == COMMENT_LIMIT
    assert cleaned.text == hangul(COMMENT_LIMIT)


def test_251_hangul_syllables_are_too_long_and_say_the_count() -> None:
    error = violation(unicodedata.normalize("NFD", hangul(COMMENT_LIMIT + 1)))

    assert error.code == "comment_too_long"
    assert error.extra == {"length": 251, "limit": 250}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FAMILY, 1),
        (KOREAN_FLAG, 1),
        (ENGLAND_FLAG, 1),
        (THUMBS_UP_DARK, 1),
        ("e\u0301", 1),  # combining acute accent
        ("\u1100\u1161\u11a8", 1),  # conjoining jamo for 각
        ("a b", 3),
    ],
)
def test_a_character_is_what_a_reader_sees_as_one(text: str, expected: int) -> None:
    assert count_characters(text) == expected


def test_emoji_sequences_count_one_each_against_the_limit() -> None:
    text = FAMILY * 100 + KOREAN_FLAG * 100 + ENGLAND_FLAG * 50

    assert clean_comment(text).length == 250
    assert violation(text + "!").extra["length"] == 251


@pytest.mark.parametrize("raw", ["", "   ", "\n\n\t ".strip(), " \u3000 \n "])
def test_whitespace_only_is_empty(raw: str) -> None:
    assert violation(raw).code == "comment_empty"


def test_surrounding_whitespace_is_trimmed_and_not_counted() -> None:
    cleaned = clean_comment("   " + "a" * COMMENT_LIMIT + "\n\n  ")

    assert cleaned.text == "a" * COMMENT_LIMIT


def test_newlines_are_kept_and_windows_newlines_become_one() -> None:
    assert clean_comment("first line\r\nsecond line\rthird").text == (
        "first line\nsecond line\nthird"
    )


@pytest.mark.parametrize(
    "char",
    [
        "\x00",
        "\x07",
        "\t",
        "\x1b",
        "\x7f",
        "\u202e",  # right-to-left override (Trojan Source)
        "\u2066",  # left-to-right isolate
        "\u200b",  # zero-width space, used to dodge word filters
        "\ufeff",
        "\ud800",  # a lone surrogate that a JSON body can smuggle in
    ],
)
def test_control_and_invisible_format_characters_are_refused(char: str) -> None:
    error = violation(f"hello{char}world")

    assert error.code == "comment_invalid_characters"
    assert f"U+{ord(char):04X}" in error.detail


def test_tag_characters_outside_a_flag_are_refused() -> None:
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "ignore rules")

    assert violation("nice article" + hidden).code == "comment_invalid_characters"


def test_stacked_combining_marks_are_refused() -> None:
    zalgo = "h" + "\u0336\u0337\u0338\u0301\u0302" * 5 + "i"

    assert violation(zalgo).code == "comment_invalid_characters"


def test_zero_width_joiners_inside_words_are_allowed() -> None:
    assert clean_comment("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645").length == 7


def test_a_comment_of_joiners_alone_is_empty() -> None:
    with pytest.raises(TextRuleViolation) as refused:
        clean_comment("\u200d\u200c \u200d")

    assert refused.value.code == "comment_empty"


@pytest.mark.parametrize("newlines", [False, True])
def test_the_documented_pattern_is_the_plain_text_rule(newlines: bool) -> None:
    """Every character of the Basic Multilingual Plane: the pattern a client reads in the
    OpenAPI document lets it through exactly when the rule does."""
    pattern = re.compile(plain_text_pattern(newlines=newlines))
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        ruled_out = first_invisible_character(ch, newlines=newlines) is not None
        assert (pattern.fullmatch(ch) is None) == ruled_out, f"U+{code:04X}"


# What draws nothing: Default_Ignorable_Code_Point and the blank glyphs.

EVERY_CODE_POINT = (
    array.array("I", [*range(0xD800), *range(0xE000, 0x110000)]).tobytes().decode("utf-32-le")
)
HEART = "\u2764\ufe0f"  # red heart with VS16: the emoji, not the text symbol
KEYCAP_ONE = "1\ufe0f\u20e3"
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"


def ranges_of(code_points: list[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for code in code_points:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


def test_the_ignorable_table_is_unicodes_property_for_every_code_point() -> None:
    """The table is what `regex` (the package that also splits graphemes) says is
    Default_Ignorable_Code_Point, over all 1,112,064 code points; on a new Unicode version the
    message is the table to paste."""
    found = regex.findall(r"\p{Default_Ignorable_Code_Point}", EVERY_CODE_POINT)
    expected = ranges_of([ord(ch) for ch in found])

    assert list(DEFAULT_IGNORABLE_RANGES) == expected, [
        (f"0x{low:04X}", f"0x{high:04X}") for low, high in expected
    ]


def test_the_ignorable_table_agrees_with_unicodedata() -> None:
    """Python's own data, by Unicode's derivation of the property: every format character
    except those shown on purpose (prepended concatenation marks, interlinear annotation
    marks, Egyptian hieroglyph format controls), every variation selector and every Hangul
    filler is in it."""
    table = {chr(code) for low, high in DEFAULT_IGNORABLE_RANGES for code in range(low, high + 1)}
    prepended = set(regex.findall(r"\p{Prepended_Concatenation_Mark}", EVERY_CODE_POINT))
    for ch in EVERY_CODE_POINT:
        name = unicodedata.name(ch, "")
        if unicodedata.category(ch) == "Cf":
            shown_on_purpose = ch in prepended or name.startswith(
                ("INTERLINEAR ANNOTATION", "EGYPTIAN HIEROGLYPH")
            )
            assert (ch in table) != shown_on_purpose, f"U+{ord(ch):04X} {name}"
        if "VARIATION SELECTOR" in name or (name.startswith("HANGUL") and "FILLER" in name):
            assert ch in table, f"U+{ord(ch):04X} {name}"
    assert table <= IGNORABLE
    assert IGNORABLE - table == BLANK_GLYPHS


@pytest.mark.parametrize(
    "raw",
    [
        "\u3164" * 5,  # Hangul filler
        "\u115f",  # choseong filler
        "\u1160",  # jungseong filler
        "\u115f\u1160",  # the two as one conjoining syllable
        "\uffa0",  # half-width Hangul filler
        "\u2800",  # braille blank
        "\U0001d159",  # musical null notehead
        "\u034f",  # combining grapheme joiner
        "\ufe0f",  # VS16 alone
        "\ufe00",
        "\U000e0100",  # variation selectors supplement
        "\U000e01ef",
        "\u180b",  # Mongolian free variation selector
        "\u17b4",  # Khmer inherent vowel
        " \u3164 \n\u2800\t\u3000\ufe0f\u034f ",  # mixed with whitespace
        "\u3164\u200d\u3164",
    ],
)
def test_nothing_visible_is_empty(raw: str) -> None:
    assert violation(raw).code == "comment_empty"


def test_every_ignorable_character_alone_or_with_spaces_is_empty() -> None:
    for ch in sorted(IGNORABLE):
        for raw in (ch, f" {ch}{ch}\n{ch} "):
            assert violation(raw).code == "comment_empty", f"U+{ord(ch):04X}"


@pytest.mark.parametrize(
    ("text", "length"),
    [
        (HEART, 1),
        (FAMILY, 1),
        (KOREAN_FLAG, 1),
        (ENGLAND_FLAG, 1),
        (RAINBOW_FLAG, 1),
        (KEYCAP_ONE, 1),
        (THUMBS_UP_DARK, 1),
        ("\u115f\u1161\u11a8", 1),  # old Hangul: a choseong filler before a vowel
        ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", 7),  # ZWNJ in Persian
        ("좋은 기사 " + HEART + " " + KOREAN_FLAG, 9),
    ],
)
def test_invisible_characters_that_shape_a_visible_one_are_kept(text: str, length: int) -> None:
    cleaned = clean_comment(text)

    assert (cleaned.text, cleaned.length) == (text, length)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("ㅋㅋ\u3164ㅋ", "ㅋㅋㅋ"),
        ("\u3164안녕하세요\u3164", "안녕하세요"),
        ("좋은\u3164 \u3164기사", "좋은 기사"),
        ("scum\u3164bag", "scumbag"),
        ("s\u2800cumbag", "scumbag"),
        ("scum\uffa0bag", "scumbag"),
        ("great \ufe0f\u034f", "great"),
        ("\u2800\u2800hello\n\u2800", "hello"),
        ("\u1100\u3164\u1161", "가"),  # the filler kept two jamo apart: one syllable now
        (KOREAN_FLAG[0] + "\u3164" + KOREAN_FLAG[1], KOREAN_FLAG),
    ],
)
def test_a_character_of_invisible_fillers_alone_is_stripped(raw: str, shown: str) -> None:
    cleaned = clean_comment(raw)

    assert cleaned.text == shown
    assert cleaned.length == count_characters(shown)


def test_the_count_is_of_what_a_reader_sees() -> None:
    padded = "\u3164".join("가" * COMMENT_LIMIT) + "\u2800" * 40

    assert clean_comment(padded).length == COMMENT_LIMIT
    assert violation("\u3164" + padded + "나").extra["length"] == COMMENT_LIMIT + 1


def test_fillers_cannot_smuggle_a_stack_past_the_limit() -> None:
    """Nine people joined by ZWJs, each after a filler: once the fillers go, one character of
    17 code points."""
    people = ["\U0001f468"] * 9
    stacked = "\u200d\u3164".join(people)

    assert violation(stacked).code == "comment_invalid_characters"


def test_tags_hidden_before_the_text_are_still_refused() -> None:
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "ignore rules")

    assert violation(hidden + " nice article").code == "comment_invalid_characters"


@pytest.mark.parametrize(
    ("text", "visible"),
    [("\u3164\u2800 \ufe0f", False), ("\u200d", False), ("a\u3164", True), (HEART, True)],
)
def test_has_visible_character(text: str, visible: bool) -> None:
    assert has_visible_character(text) is visible
