"""What a moderator is shown as the reason for a score: spans of the comment, strongest first."""

import asyncio
import threading
import time
from collections.abc import Callable, Sequence

from moderation.scoring.bounded import BoundedScorer
from moderation.scoring.english import EmbeddedScorer
from moderation.scoring.explanations import (
    MAX_OCCLUDED_WORDS,
    MAX_SPANS,
    Explanation,
    Span,
    occlusion_spans,
    spans_of,
    without,
    words_of,
)
from moderation.scoring.korean import KoreanScorer
from moderation.scoring.routing import RoutedScorer
from moderation.scoring.scorers import Scores, SingleModel


def test_spans_are_found_case_blind_merged_and_strongest_first() -> None:
    text = "You IDIOT, a real idiot"
    spans = spans_of(text, [("idiot", 3.0), ("real", 1.0), ("real id", 0.5), ("thanks", 2.0)])

    assert spans == [
        Span(4, 9, "IDIOT", 3.0),
        Span(13, 23, "real idiot", 3.0),  # "real", "real id" and "idiot" overlap: one span
    ]


def test_a_space_at_either_end_of_a_piece_is_a_word_boundary() -> None:
    text = "idiotically, an idiot. 개나리 핀 날 개 같은"
    spans = spans_of(text, [(" idiot ", 2.0), (" 개 ", 1.0), ("ass", 0.5)])

    assert [(span.start, span.text) for span in spans] == [(16, "idiot"), (31, "개")]


def test_only_the_strongest_positive_pieces_count() -> None:
    pieces = [(word, float(weight)) for weight, word in enumerate("a b c d e f g".split(), 1)]
    spans = spans_of("a b c d e f g", [*pieces, ("a b", -5.0)], limit=3)
    assert [span.text for span in spans] == ["g", "f", "e"]


def test_offsets_stay_right_when_lower_case_is_longer() -> None:
    text = "İstanbul idiot"  # "İ".lower() is two code points
    (span,) = spans_of(text, [("idiot", 1.0)])
    assert text[span.start : span.end] == "idiot"


def test_the_korean_model_points_at_the_insult() -> None:
    text = "이 기자 진짜 멍청한 새끼네"
    explanation = KoreanScorer().explain(text)

    assert explanation.model_id == KoreanScorer().model_id
    assert "새끼" in explanation.spans[0].text
    assert all(text[span.start : span.end] == span.text for span in explanation.spans)


def test_the_english_model_points_at_the_insult(embedded_scorer: EmbeddedScorer) -> None:
    explanation = embedded_scorer.explain("You are a pathetic idiot and everyone hates you")
    assert explanation is not None
    assert [span.text for span in explanation.spans][:2] == ["idiot", "pathetic"]

    inside_words = embedded_scorer.explain("Idiotically classy assessments")
    assert inside_words is not None
    assert "idiot" not in [span.text.lower() for span in inside_words.spans]


class Unexplained(SingleModel):
    model_id = "opaque-model"

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        return [{"toxicity": 0.5} for _ in texts]


def test_the_router_explains_with_the_models_that_scored_and_can_say(
    embedded_scorer: EmbeddedScorer,
) -> None:
    korean = KoreanScorer()
    router = RoutedScorer(english=embedded_scorer, korean=korean)
    text = "You pathetic idiot, 닥쳐 병신아"

    both = router.explain(text, router.model_id_for(text))
    assert [e.model_id for e in both] == [embedded_scorer.model_id, korean.model_id]
    # Scored by a model since replaced: nothing to say for it.
    assert router.explain(text, f"alt-profanity-check-0.1;{korean.model_id}")[0] == both[1]
    opaque = RoutedScorer(english=Unexplained(), korean=korean)
    assert opaque.explain("idiot", "opaque-model") == []


def test_words_are_whitespace_pieces_without_their_edge_punctuation() -> None:
    text = "You idiot, (really) — don't 🖕 이 기자 새끼네!! ..."
    words = [text[start:end] for start, end in words_of(text)]

    assert words == ["You", "idiot", "really", "don't", "🖕", "이", "기자", "새끼네"]
    assert words_of("") == [] == words_of(" ... — !! ")


def test_a_word_goes_with_the_space_before_it_and_punctuation_stays() -> None:
    text = "an idiot, really idiot"
    assert without(text, 3, 8) == "an, really idiot"
    assert without(text, 0, 2) == "idiot, really idiot"
    assert without(text, 17, 22) == "an idiot, really"
    assert without("idiot", 0, 5) == ""
    assert without("이 기자 새끼네!! 정말", 5, 8) == "이 기자!! 정말"


def by_words(weights: dict[str, float]) -> tuple[list[list[str]], Callable[..., list[Scores]]]:
    """A model whose toxicity is the sum of the weights of the words a text has (and an insult
    score a little below), and the batches it was asked."""
    batches: list[list[str]] = []

    def score_batch(texts: Sequence[str]) -> list[Scores]:
        batches.append(list(texts))
        toxicity = [
            sum(w for word, w in weights.items() if word in t.replace(",", " ").split())
            for t in texts
        ]
        return [{"toxicity": value, "insult": value * 0.9} for value in toxicity]

    return batches, score_batch


def test_occlusion_weighs_each_word_by_the_score_it_adds_in_one_batch() -> None:
    batches, score_batch = by_words({"idiot": 0.5, "pathetic": 0.25, "thanks": -0.25})
    text = "thanks, you pathetic idiot"

    spans = occlusion_spans(text, score_batch)

    assert batches == [
        [
            text,
            ", you pathetic idiot",
            "thanks, pathetic idiot",
            "thanks, you idiot",
            "thanks, you pathetic",
        ]
    ]
    assert spans == [Span(21, 26, "idiot", 0.5), Span(12, 20, "pathetic", 0.25)]


def test_occlusion_follows_the_highest_attribute() -> None:
    def score_batch(texts: Sequence[str]) -> list[Scores]:
        return [{"toxicity": 0.2, "threat": 0.9 if "kill" in t else 0.1} for t in texts]

    assert occlusion_spans("I will kill you", score_batch) == [Span(7, 11, "kill", 0.8)]


def test_occlusion_of_nothing_asks_nothing_and_of_one_word_asks_once() -> None:
    batches, score_batch = by_words({"idiot": 0.5})
    assert occlusion_spans("", score_batch) == []
    assert occlusion_spans(" ?! ", score_batch) == []
    assert batches == []

    assert occlusion_spans("idiot", score_batch) == [Span(0, 5, "idiot", 0.5)]
    assert batches == [["idiot", ""]]


def test_a_long_comment_occludes_its_longest_words_and_shows_the_strongest() -> None:
    words = ["a"] * 60 + [f"word{i}" for i in range(10)]
    batches, score_batch = by_words({f"word{i}": 0.01 * (i + 1) for i in range(10)})

    spans = occlusion_spans(" ".join(words), score_batch)

    assert len(batches) == 1
    assert len(batches[0]) == MAX_OCCLUDED_WORDS + 1
    assert [span.text for span in spans] == ["word9", "word8", "word7", "word6", "word5"]
    assert len(spans) == MAX_SPANS


class Occluded(SingleModel):
    """A model explained by occlusion, counting what it was asked."""

    model_id = "occluded-model"

    def __init__(self) -> None:
        self.batches, self._score_batch = by_words({"idiot": 0.5})

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        return self._score_batch(texts)

    def explain(self, text: str) -> Explanation:
        return Explanation(self.model_id, occlusion_spans(text, self.score_batch))


def test_the_router_finds_an_occluding_english_model_and_the_bound_scorer_keeps_it() -> None:
    english, korean = Occluded(), KoreanScorer()
    router = RoutedScorer(english=english, korean=korean)
    text = "you idiot 닥쳐 병신아"

    assert [e.model_id for e in router.explain(text, router.model_id_for(text))] == [
        english.model_id,
        korean.model_id,
    ]

    async def opened(bounded: BoundedScorer, texts: list[str]) -> list[list[Explanation]]:
        bounded.start()
        try:
            return [await bounded.explain(t, router.model_id_for(t)) for t in texts]
        finally:
            await bounded.close()

    english.batches.clear()
    bounded = BoundedScorer(router, timeout=5, max_batch=8, max_wait=0, explanations_kept=2)
    first, again, other, _, evicted = asyncio.run(
        opened(bounded, ["you idiot", "you idiot", "an idiot", "the idiot", "you idiot"])
    )

    assert first == again == evicted == [Explanation(english.model_id, [Span(4, 9, "idiot", 0.5)])]
    assert other == [Explanation(english.model_id, [Span(3, 8, "idiot", 0.5)])]
    # the second open came from memory; the fifth was computed again, pushed out by two others
    assert [batch[0] for batch in english.batches] == [
        "you idiot",
        "an idiot",
        "the idiot",
        "you idiot",
    ]


class Crowded(Occluded):
    """Explains in a twentieth of a second, noting how many explanations ran at once."""

    def __init__(self) -> None:
        super().__init__()
        self.running = self.most = 0
        self._lock = threading.Lock()

    def explain(self, text: str) -> Explanation:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
        return super().explain(text)


def test_a_page_of_comments_opened_at_once_is_explained_one_at_a_time_per_model() -> None:
    english = Crowded()
    router = RoutedScorer(english=english, korean=KoreanScorer())
    texts = [f"comment {i} idiot" for i in range(4)]

    async def opened() -> list[list[Explanation]]:
        bounded = BoundedScorer(router, timeout=5, max_batch=8, max_wait=0)
        bounded.start()
        try:
            return await asyncio.gather(*(bounded.explain(t, english.model_id) for t in texts))
        finally:
            await bounded.close()

    explained = asyncio.run(opened())

    assert [len(found) for found in explained] == [1, 1, 1, 1]
    assert english.most == 1


def test_explanations_nobody_waits_for_any_more_are_dropped_before_they_start() -> None:
    """A moderator pages on: the comments of the page left behind, still waiting for their turn
    when their requests ran out of time, are not computed, and the new page is not behind them."""
    english = Crowded()
    router = RoutedScorer(english=english, korean=KoreanScorer())
    left_behind = [f"old comment {i} idiot" for i in range(10)]

    async def paged() -> list[Explanation]:
        bounded = BoundedScorer(router, timeout=0.12, max_batch=8, max_wait=0)
        bounded.start()
        try:
            await asyncio.gather(*(bounded.explain(t, english.model_id) for t in left_behind))
            await asyncio.sleep(0.1)  # the one that had started finishes
            bounded.timeout = 5
            return await bounded.explain("the page in view, idiot", english.model_id)
        finally:
            await bounded.close()

    in_view = asyncio.run(paged())

    assert len(in_view) == 1
    computed = [batch[0] for batch in english.batches]
    assert computed[-1] == "the page in view, idiot"
    assert len(computed) <= 4  # the two or three that started in time, not all ten
