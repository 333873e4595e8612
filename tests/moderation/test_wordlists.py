import time

import pytest

from moderation.text import IGNORABLE
from moderation.wordlists import MAX_ENTRY_LENGTH, WordList, normalise_entry

WORDS = WordList(["idiot", "ass", "go die", "바보", "fuck"])


@pytest.mark.parametrize(
    "text",
    [
        "you idiot",
        "You IDIOT!!!",
        "what an id!ot",
        "i d i o t",
        "i.d.i.o.t",
        "i-d-i-o-t",
        "idiooooot",
        "\uff49\uff44\uff49\uff4f\uff54",  # full-width
        "\U0001d422\U0001d41d\U0001d422\U0001d428\U0001d42d",  # mathematical bold
        "ìdìöt",  # accents
        "\u0456d\u0456\u043et",  # Cyrillic look-alikes
        "1d10t",  # leetspeak
        "a.s.s",
        "go   die",
        "너 바보야",  # Korean particle attached
        "바보같은 소리",
    ],
)
def test_evasions_are_seen_through(text: str) -> None:
    assert WORDS.find(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "idiotic",  # whole words only
        "said iota",
        "as I said",  # "ass" is not "as"
        "assorted",
        "as sorted",
        "class assignment",
        "go and die",
        "fu ck",  # two real words, not a split one
        "I have 5 cats",
        "",
    ],
)
def test_innocent_text_is_not_matched(text: str) -> None:
    assert WORDS.find(text) is None


def test_the_matched_entry_is_named() -> None:
    assert WORDS.find("what an utter idiot") == "idiot"
    assert WORDS.find("f-u-c-k-i-n-g hell") == "fuck"


def test_entries_are_normalised_for_storage() -> None:
    assert normalise_entry("  IDIOT ") == "idiot"
    assert normalise_entry("Go   Die") == "go die"
    assert normalise_entry("!!!") == ""
    assert normalise_entry("a" * (MAX_ENTRY_LENGTH + 1)) == ""


def test_a_pathological_list_and_comment_stay_fast() -> None:
    """Nothing here is a regular expression, so no input can backtrack; a large list against a
    worst-case comment (one endless split word) is still linear."""
    many = WordList(["a" * 60, *(f"w{'a' * (i % 50)}b{i}" for i in range(5000)), "a b a b a b"])
    worst = ("a." * 120) + "!" * 10 + ("a " * 60)

    started = time.perf_counter()
    for _ in range(20):
        many.find(worst)
    elapsed = time.perf_counter() - started

    assert elapsed < 2.0, f"20 matches took {elapsed:.2f}s"


SCUMBAG = WordList(["scumbag", "바보", "go die"])


@pytest.mark.parametrize(
    "text",
    [
        "scum\u3164bag",  # Hangul filler
        "scum\uffa0bag",  # half-width Hangul filler
        "scum\u115f\u1160bag",  # conjoining fillers
        "scum\u200bbag",  # zero-width space
        "scum\u2060bag",  # word joiner
        "scu\u034fmbag",  # combining grapheme joiner
        "s\u2800cumbag",  # braille blank
        "s\u2800c\u2800u\u2800m\u2800b\u2800a\u2800g",
        "scum\u2800\u2800\u2800\u2800bag",  # more than a gap of punctuation
        "scumbag\ufe0f",
        "sc\U000e0100umbag",  # variation selectors supplement
        "s.c.u.m\u3164b.a.g",
        "what a SCUM\u3164BAG!",
        "너 바\u3164보야",  # a Korean entry, a filler between its syllables
        "바\u2800\u200b보같은",
        "go\u3164 die",
    ],
)
def test_invisible_characters_inside_a_word_do_not_hide_it(text: str) -> None:
    assert SCUMBAG.find(text) is not None


def test_no_invisible_character_splits_a_word() -> None:
    """Every character that draws nothing, anywhere in the word: still the word."""
    for ch in sorted(IGNORABLE):
        for text in (f"scum{ch}bag", f"s{ch}cumbag", f"{ch}scumbag{ch}", f"바{ch}보"):
            assert SCUMBAG.find(text) is not None, f"U+{ord(ch):04X} in {text!r}"


@pytest.mark.parametrize("text", ["scum\u3164 bag", "scum\u3164\u3164 and bags", "\u3164"])
def test_invisible_characters_join_no_words_that_were_apart(text: str) -> None:
    assert SCUMBAG.find(text) is None


def test_entries_are_stored_without_invisible_characters() -> None:
    assert normalise_entry("Scum\u3164bag\u200b") == "scumbag"
    assert normalise_entry("\u3164\u2800") == ""
    assert WordList(["scum\u3164bag"]).find("a scumbag") == "scum\u3164bag"
