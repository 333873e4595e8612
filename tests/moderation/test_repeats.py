"""Repeats: one account's double post, and near-copies across accounts found by LSH band keys."""

import hashlib
import itertools
import math
import random
import string
import unicodedata
from collections import defaultdict

import pytest

from moderation import repeats
from moderation.repeats import (
    BANDS,
    ROWS,
    SHINGLE,
    band_keys,
    campaign_text,
    repeat_key,
    shingles,
    similarity,
)


def _shingled(text: str) -> frozenset[int]:
    return shingles(campaign_text(text))


ENGLISH_SENTENCE = (
    "The city council approved the new subway line in Busan last week, and most residents "
    "I spoke with seem happy about that."
)


FULL_WIDTH = str.maketrans(
    {chr(code): chr(code + 0xFEE0) for code in range(0x21, 0x7F)} | {" ": "\u3000"}
)
"""ASCII as typed in full width (an East Asian keyboard's wide mode)."""

SAME_FOR_A_READER = [
    ("Great Article", "great article"),
    ("GREAT article 123".translate(FULL_WIDTH), "great article 123"),
    ("\uff27\uff52\uff45\uff41\uff54", "great"),
    ("great   article", "greatarticle"),
    ("  great\n\tarticle  ", "great article"),
    ("Great, article!!! (really...)", "great article really"),
    ("좋은 기사네요!!", "좋은기사네요"),
    ("great\u200barticle", "great article"),
    ("arti\u00adcle", "article"),
    ("gr\u200deat\ufeff art\u2060icle", "great article"),
    ("좋은\u3164기사", "좋은 기사"),
    ("STRASSE", "straße"),
    ("❤\ufe0f", "❤"),
    (unicodedata.normalize("NFD", "한국"), "한국"),
    (unicodedata.normalize("NFD", "한국 경제가 좋아요"), "한국 경제가 좋아요"),
    ("\u1112\u200b\u1161\u11ab", "한"),  # a zero-width space between conjoining jamo
    ("ㅎㅏ", "하"),  # compatibility jamo: NFKC makes them a leading consonant and a vowel
    ("\uffbe\uffc2", "하"),  # half-width Hangul letters
]


@pytest.mark.parametrize(("typed", "same"), SAME_FOR_A_READER)
def test_repeat_key_ignores_what_a_reader_does_not_count(typed: str, same: str) -> None:
    assert repeat_key(typed) == repeat_key(same)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("I agree with point 3", "I agree with point 4"),
        ("I agree with point 3", "I agree with point 30"),
        ("Great article", "Great reporting"),
        ("좋은 기사네요", "나쁜 기사네요"),
        ("Great deal 🔥", "Great deal 😀"),
        ("Great deal 🔥", "Great deal"),
        ("ㅎㅏㄴ", "한"),  # a final consonant typed as a letter stays a letter ("ㅋㅋ" stays too)
    ],
)
def test_repeat_key_keeps_what_makes_another_comment(first: str, second: str) -> None:
    assert repeat_key(first) != repeat_key(second)


def test_repeat_key_is_a_fixed_stored_digest() -> None:
    """Stored in an indexed column: the same on every machine, and a change to the normal form
    makes every stored key miss."""
    assert repeat_key("Great article!") == hashlib.sha256(b"greatarticle").hexdigest()[:32]
    assert repeat_key("Great article!") == "8bdc903e80b4b8e996110ba502e27f30"
    assert len(repeat_key("x" * 10_000)) == 32
    assert repeat_key("") == repeat_key("!!! ...") == hashlib.sha256(b"").hexdigest()[:32]


@pytest.mark.parametrize(
    ("typed", "same"),
    [
        ("Buy now 50% off", "Buy now 70% off"),
        ("Buy now 50% off", "Buy now 1,500% off"),
        ("Great deal 🔥", "Great deal 😀"),
        ("Great deal 🔥", "Great deal"),
        ("Great deal 👍🏽👍🏿", "Great deal 👍"),
        ("Only ₩9,900 → today", "Only $19.99 today"),
        ("call 010-1234-5678 now", "call 010 9999 0000 now".translate(FULL_WIDTH)),
        ("지금 가입하면 3만원 적립 💰", "지금 가입하면 5만원 적립"),
        ("Win 1️⃣ prize", "Win 2 prize"),
        *SAME_FOR_A_READER,
    ],
)
def test_campaign_text_ignores_numbers_and_emoji(typed: str, same: str) -> None:
    assert campaign_text(typed) == campaign_text(same)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Buy now 50% off", "Sell now 50% off"),
        ("Great deal 🔥", "Bad deal 🔥"),
        ("지금 가입하면 3만원 적립", "지금 탈퇴하면 3만원 적립"),
    ],
)
def test_campaign_text_keeps_the_words(first: str, second: str) -> None:
    assert campaign_text(first) != campaign_text(second)


def test_campaign_text_is_its_own_normal_form() -> None:
    """The shingles are cut from it, so normalising it again must change nothing."""
    for typed, _ in SAME_FOR_A_READER:
        once = campaign_text(typed + " 50% 🔥")
        assert campaign_text(once) == once
    assert campaign_text("Buy now 50% off 🔥") == "buynow0off"
    assert campaign_text("🔥🔥 !!") == ""


def test_shingles_are_their_code_points_side_by_side_mixed() -> None:
    """Stable on every machine, and no two different shingles give one integer (the packing
    is injective and SplitMix64's finaliser a bijection), written here in plain Python."""

    def packed(text: str) -> int:
        points = [ord(c) for c in text] + [0x1FFFFF] * (3 - len(text))
        value = (points[0] << 42) | (points[1] << 21) | points[2]
        value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
        value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) % 2**64
        return value ^ (value >> 31)

    assert shingles("") == frozenset()
    assert shingles("ab") == {packed("ab")}
    assert shingles("a") == {packed("a")} != shingles("a\x00")
    assert shingles("abc") == {packed("abc")}
    assert shingles("abcab") == {packed("abc"), packed("bca"), packed("cab")}
    assert shingles("한국경제") == {packed("한국경"), packed("국경제")}
    assert shingles("\U0010ffff" * 3) == {packed("\U0010ffff" * 3)}
    assert SHINGLE == 3
    assert all(0 <= s < 2**64 for s in shingles(campaign_text(ENGLISH_SENTENCE)))


def test_one_changed_word_keeps_a_long_sentence_similar() -> None:
    """120 characters (97 once normalised) with "approved" made "rejected": 0.85 (shingles
    shared 86 of 101), so a campaign that edits a word stays a candidate."""
    assert len(ENGLISH_SENTENCE) == 120
    edited = ENGLISH_SENTENCE.replace("approved", "rejected")

    measured = similarity(_shingled(ENGLISH_SENTENCE), _shingled(edited))

    assert measured >= 0.8
    assert measured == pytest.approx(0.85, abs=0.01)


def test_identical_texts_are_similar_and_empty_ones_are_not() -> None:
    assert similarity(_shingled(ENGLISH_SENTENCE), _shingled(ENGLISH_SENTENCE.upper())) == 1.0
    assert similarity(frozenset(), frozenset()) == 0.0
    assert similarity(_shingled("ab"), frozenset()) == 0.0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            ENGLISH_SENTENCE,
            "Prices at the supermarket keep rising while wages stay flat, so families are cutting "
            "back on everything.",
        ),
        (
            "서울시가 새 지하철 노선을 승인했다는 소식에 주민들이 대체로 반기는 분위기입니다.",
            "장바구니 물가는 계속 오르는데 월급은 그대로라서 모두 허리띠를 졸라매고 있네요.",
        ),
    ],
)
def test_unrelated_sentences_are_not_similar(first: str, second: str) -> None:
    assert similarity(_shingled(first), _shingled(second)) < 0.3


def test_band_keys_are_fixed_signed_64_bit_integers() -> None:
    """Stored in a BIGINT column and looked up by other processes: a change of coefficients or
    of the key digest makes every stored key miss, so the keys of one text are written here."""
    keys = band_keys(_shingled("Buy now 50% off"))

    assert keys == [
        1868027624459352223,
        258470132285918231,
        4855238486796261524,
        545645060390553751,
        -2286432133048185718,
        -5661849772911819597,
        6295217264101229091,
        -6424213534005697686,
    ]
    assert BANDS * ROWS == 32
    assert band_keys(frozenset()) == []
    for text in (ENGLISH_SENTENCE, "ab", "한국 경제", string.printable * 20):
        keys = band_keys(_shingled(text))
        assert len(keys) == BANDS
        assert all(-(2**63) <= key < 2**63 for key in keys)
        assert len(set(keys)) == BANDS  # the band index is mixed in


ENGLISH_WORDS = [
    (
        "Honestly/Frankly/Seriously/Sadly/Clearly/Again/Once more/As usual/To be fair/"
        "In my view/Surprisingly/Of course"
    ).split("/"),
    (
        "the government/the mayor/the reporter/this company/the national assembly/"
        "the new minister/the city council/the opposition party/the police chief/"
        "the school board/the court/the central bank/the union"
    ).split("/"),
    (
        "ignored/explained/misread/approved/rejected/delayed/defended/criticised/supported/"
        "questioned/hid/announced"
    ).split("/"),
    (
        "the housing plan/the budget cut/the new subway line/the tax reform/the trade deal/"
        "the school lunch program/the pension change/the visa rules/the election results/"
        "the rent freeze/the energy subsidy/the hospital merger"
    ).split("/"),
    (
        "in Seoul/in Busan/in Incheon/in Daegu/in Gwangju/on Jeju/in Daejeon/in Ulsan/in Suwon/"
        "in Sejong/near the border/across the country"
    ).split("/"),
    (
        "last week/yesterday/this morning/again today/for months/since spring/before the vote/"
        "after the storm/during the holidays/without warning/in secret/at last"
    ).split("/"),
    (
        "and nobody asked us./which is a disgrace./and that is good news./so we will see./"
        "but the numbers do not add up./and I am not surprised./which helps nobody./"
        "and I fully agree./so read the full report./but the details matter."
    ).split("/"),
]
KOREAN_WORDS = [
    "어제/오늘/지난주/올해/작년/이번 달/아침부터/밤늦게/주말에/선거 전에/결국/또다시".split("/"),
    (
        "정부가/시장이/기자가/국회가/장관이/시의회가/야당이/경찰청장이/교육청이/법원이/"
        "한국은행이/노조가"
    ).split("/"),
    (
        "서울에서/부산에서/인천에서/대구에서/광주에서/제주에서/대전에서/울산에서/수원에서/"
        "세종에서/전국에서/국경 근처에서"
    ).split("/"),
    (
        "주택 정책을/예산 삭감을/새 지하철 노선을/세제 개편을/무역 협정을/급식 사업을/"
        "연금 개혁을/비자 규정을/선거 결과를/임대료 동결을/에너지 보조금을/병원 통합을"
    ).split("/"),
    (
        "무시했다/설명했다/발표했다/승인했다/거부했다/연기했다/옹호했다/비판했다/지지했다/"
        "숨겼다/검토했다/번복했다"
    ).split("/"),
    (
        "정말 실망입니다./잘한 결정이네요./두고 봐야겠어요./말이 안 됩니다./이해가 안 가요./"
        "당연한 결과죠./기사 잘 읽었습니다./누구를 위한 건가요?/완전히 동의합니다./"
        "숫자가 안 맞네요./부끄러운 일입니다./환영할 만하네요."
    ).split("/"),
]
HANGUL = "가나다라마바사아자차카타파하고노도로모보소오조초코토포호구누두루무부수우주추쿠투푸후"


def _sentence(rng: random.Random, words: list[list[str]]) -> str:
    return " ".join(rng.choice(slot) for slot in words)


def _distinct_sentences(count: int, seed: int) -> list[str]:
    """Half English, half Korean, no two alike, from the word lists above."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    seen: dict[str, None] = {}
    for words in (ENGLISH_WORDS, KOREAN_WORDS):
        goal = len(seen) + count // 2
        while len(seen) < goal:
            seen.setdefault(_sentence(rng, words))
    return list(seen)


def _mutated(text: str, rng: random.Random, edits: int) -> str:
    """`edits` typos: a letter replaced, inserted or deleted, in the letter's own script."""
    chars = list(text)
    for _ in range(edits):
        at = rng.choice([i for i, ch in enumerate(chars) if ch.isalpha()])
        alphabet = HANGUL if "\uac00" <= chars[at] <= "\ud7a3" else string.ascii_lowercase
        move = rng.choice(["replace", "insert", "delete"])
        if move == "replace":
            chars[at] = rng.choice(alphabet.replace(chars[at], ""))
        elif move == "insert":
            chars.insert(at, rng.choice(alphabet))
        else:
            del chars[at]
    return "".join(chars)


def test_near_copies_share_a_band_key() -> None:
    """200 long comments (English 349 to 428 characters, Korean 205 to 229), each against a copy
    with one to three typos, kept where the copy stays at similarity >= 0.9 (11 drawn fell
    under). Measured 0.900 to 0.996, and every pair shares 3 or more of its 8 keys."""
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not secrets
    pairs: list[float] = []
    while len(pairs) < 200:
        words = ENGLISH_WORDS if len(pairs) % 2 else KOREAN_WORDS
        original = " ".join(
            _sentence(rng, words) for _ in range(4 if words is ENGLISH_WORDS else 6)
        )
        copy = _mutated(original, rng, edits=rng.randint(1, 3))
        a, b = _shingled(original), _shingled(copy)
        measured = similarity(a, b)
        if measured < 0.9:
            continue
        assert set(band_keys(a)) & set(band_keys(b)), (measured, original, copy)
        pairs.append(measured)

    assert 0.9 <= min(pairs) < 0.92
    assert max(pairs) < 1.0


def _half_similar_pairs(sets: list[frozenset[int]]) -> int:
    """The number of pairs at 0.5 similarity or more, without comparing every pair (prefix
    filtering, as in Bayardo et al.'s AllPairs): with each set's shingles ordered rarest first,
    the first shingle two sets share lies within the first |A| - o + 1 of each, o their overlap.
    Jaccard >= 1/2 means o >= |A|/2, and o >= 2|B|/3 for the smaller B; so each set, taken
    smallest first, is compared only with the earlier ones that share one of its first
    |A| - ceil(|A|/2) + 1 shingles among their first |B| - ceil(2|B|/3) + 1."""
    frequency: dict[int, int] = defaultdict(int)
    for shingle_set in sets:
        for shingle in shingle_set:
            frequency[shingle] += 1
    indexed: dict[int, list[int]] = defaultdict(list)
    found = 0
    for i in sorted(range(len(sets)), key=lambda i: len(sets[i])):
        ordered = sorted(sets[i], key=lambda shingle: (frequency[shingle], shingle))
        size = len(ordered)
        earlier = {j for shingle in ordered[: size - (size + 1) // 2 + 1] for j in indexed[shingle]}
        found += sum(similarity(sets[i], sets[j]) >= 0.5 for j in earlier)
        for shingle in ordered[: size - (2 * size + 2) // 3 + 1]:
            indexed[shingle].append(i)
    return found


def test_unrelated_comments_rarely_share_a_band_key() -> None:
    """2,000 distinct sentences (1,000 English, 1,000 Korean, from one word list per language,
    so many pairs share words): of the 1,998,620 pairs under 0.5 similarity, 2,603 (0.13%) share
    a key, candidates the service confirms with `similarity` and drops; a text draws 2.6 such
    candidates from the other 1,999. Most are pairs at 0.15 to 0.5 that share words, as the
    curve 1 - (1 - s**4)**8 says; under 0.05 similarity none of 1.5 million pairs collide."""
    texts = _distinct_sentences(2_000, seed=11)
    sets = [_shingled(text) for text in texts]
    by_key: dict[int, list[int]] = defaultdict(list)
    for index, shingle_set in enumerate(sets):
        for key in band_keys(shingle_set):
            by_key[key].append(index)
    colliding = {pair for indexes in by_key.values() for pair in itertools.combinations(indexes, 2)}
    false_candidates = sum(similarity(sets[i], sets[j]) < 0.5 for i, j in colliding)
    dissimilar_pairs = math.comb(len(sets), 2) - _half_similar_pairs(sets)

    assert len(set(texts)) == 2_000
    assert dissimilar_pairs > 1_990_000
    assert false_candidates / dissimilar_pairs < 0.005
    assert 2 * false_candidates / len(sets) < 5


def test_a_long_input_runs() -> None:
    rng = random.Random(3)  # noqa: S311 - reproducible test data, not secrets
    text = "".join(
        rng.choice(HANGUL + string.ascii_letters + " .!🔥0123456789") for _ in range(10_000)
    )

    keys = band_keys(_shingled(text))

    assert len(repeat_key(text)) == 32
    assert len(keys) == BANDS
    assert len(_shingled(text)) > 5_000


def test_the_vectorised_minima_are_pythons_exactly() -> None:
    """`_minima` computes (a*x + b) mod p in 64-bit pieces: it must agree with Python's
    arbitrary-precision integers everywhere, edges of the ranges included."""
    chance = random.Random(7)  # noqa: S311 - reproducible inputs, not secrets
    edges = frozenset({0, 1, repeats._PRIME - 1, repeats._PRIME, repeats._PRIME + 1, 2**64 - 1})
    for size in (1, 3, 40, 300):
        for _ in range(50):
            values = frozenset(chance.getrandbits(64) for _ in range(size)) | edges
            expected = [
                min((a * x + b) % repeats._PRIME for x in values) for a, b in repeats._COEFFICIENTS
            ]
            assert repeats._minima(values) == expected
