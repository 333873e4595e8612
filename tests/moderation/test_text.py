import re
import unicodedata

import pytest

from moderation.text import (
    COMMENT_LIMIT,
    TextRuleViolation,
    clean_comment,
    count_characters,
    first_invisible_character,
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
