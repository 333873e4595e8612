"""What a moderator is shown as the reason for a score: spans of the comment, strongest first."""

from collections.abc import Sequence

from moderation.scoring.explanations import Span, spans_of
from moderation.scoring.korean import KoreanScorer
from moderation.scoring.routing import RoutedScorer
from moderation.scoring.scorers import EmbeddedScorer, Scores, SingleModel


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
