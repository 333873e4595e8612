"""Language routing: which model sees which text, how their scores combine, what is stored."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from moderation.scoring.korean import KoreanScorer
from moderation.scoring.routing import RoutedScorer, build_korean_scorer, languages, merged
from moderation.scoring.scorers import ScorerUnavailable, Scores, SingleModel


class Recording(SingleModel):
    """Scores every text `value` on its attributes (or what `by_text` says for a text) and
    remembers its batches."""

    def __init__(
        self,
        model_id: str,
        value: float,
        attributes: Sequence[str],
        by_text: dict[str, float] | None = None,
    ) -> None:
        self.model_id = model_id
        self.value = value
        self.attributes = attributes
        self.by_text = by_text or {}
        self.batches: list[list[str]] = []

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        self.batches.append(list(texts))
        return [dict.fromkeys(self.attributes, self.by_text.get(t, self.value)) for t in texts]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Great report, thanks", {"en"}),
        ("좋은 기사 감사합니다", {"ko"}),
        ("BTS 최고 사랑해요", {"ko"}),  # a name in Latin letters is not English
        ("what a 병신 reporter", {"en", "ko"}),
        ("ㅋㅋㅋ", {"ko"}),  # compatibility jamo are Hangul
        ("12345 !!", {"en"}),
        ("", {"en"}),
    ],
)
def test_languages(text: str, expected: set[str]) -> None:
    assert languages(text) == expected


def test_each_model_gets_its_share_in_one_batch_and_the_higher_score_wins() -> None:
    english = Recording("english-model", 0.2, ["toxicity", "insult"])
    korean = Recording("korean-model", 0.9, ["toxicity"])
    router = RoutedScorer(english=english, korean=korean)
    texts = ["Great report", "병신아", "what a 병신 reporter", "Thanks"]

    scores = router.score_batch(texts)

    assert english.batches == [["Great report", "what a 병신 reporter", "Thanks"]]
    assert korean.batches == [["병신아", "what a 병신 reporter"]]
    assert scores == [
        {"toxicity": 0.2, "insult": 0.2},
        {"toxicity": 0.9},
        {"toxicity": 0.9, "insult": 0.2},
        {"toxicity": 0.2, "insult": 0.2},
    ]


def test_each_text_gets_its_own_scores_back() -> None:
    english = Recording("en", 0.0, ["toxicity"], by_text={"a": 0.1, "b": 0.2, "cool 다": 0.3})
    korean = Recording("ko", 0.0, ["toxicity"], by_text={"가": 0.6, "cool 다": 0.05, "나": 0.7})
    router = RoutedScorer(english=english, korean=korean)

    scores = router.score_batch(["가", "a", "cool 다", "b", "나"])

    assert [s["toxicity"] for s in scores] == [0.6, 0.1, 0.3, 0.2, 0.7]


def test_the_stored_model_id_names_every_model_that_scored() -> None:
    router = RoutedScorer(
        english=Recording("english-model", 0.1, ["toxicity"]),
        korean=Recording("korean-model", 0.1, ["toxicity"]),
    )
    assert router.model_id == "english-model;korean-model"
    assert router.model_id_for("Great report") == "english-model"
    assert router.model_id_for("좋은 기사") == "korean-model"
    assert router.model_id_for("Great 기사") == "english-model;korean-model"


def test_merged_keeps_every_attribute() -> None:
    assert merged({"toxicity": 0.3, "threat": 0.7}, {"toxicity": 0.6}) == {
        "toxicity": 0.6,
        "threat": 0.7,
    }


def test_the_korean_choice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    english = Recording("english-model", 0.1, ["toxicity"])
    assert isinstance(build_korean_scorer("embedded", english=english), KoreanScorer)
    assert build_korean_scorer("scorer", english=english) is english
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty torch.hub cache
    with pytest.raises(ScorerUnavailable, match="multilingual"):
        build_korean_scorer("multilingual", english=english)


def test_one_model_for_both_languages_scores_every_text_once() -> None:
    """`COMMENTMOD_KOREAN_SCORER=scorer`: Detoxify `multilingual` reads both languages."""
    multilingual = Recording("multilingual-model", 0.4, ["toxicity"])
    router = RoutedScorer(english=multilingual, korean=multilingual)

    assert (
        router.score_batch(["Great report", "좋은 기사", "Great 기사"]) == [{"toxicity": 0.4}] * 3
    )
    assert multilingual.batches == [["Great report", "좋은 기사", "Great 기사"]]
    assert router.model_id == router.model_id_for("Great 기사") == "multilingual-model"
