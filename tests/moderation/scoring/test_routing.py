"""Language routing: which model sees which text, how their scores combine, what is stored."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from moderation.scoring.korean import KoreanScorer
from moderation.scoring.routing import RoutedScorer, build_korean_scorer, languages, merged
from moderation.scoring.scorers import ScorerUnavailable, Scores


class Recording:
    """Scores every text `value` on its attributes and remembers its batches."""

    def __init__(self, model_id: str, value: float, attributes: Sequence[str]) -> None:
        self.model_id = model_id
        self.value = value
        self.attributes = attributes
        self.batches: list[list[str]] = []

    def model_id_for(self, text: str) -> str:
        return self.model_id

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        self.batches.append(list(texts))
        return [dict.fromkeys(self.attributes, self.value) for _ in texts]


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
    assert isinstance(build_korean_scorer("embedded"), KoreanScorer)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty torch.hub cache
    with pytest.raises(ScorerUnavailable, match="multilingual"):
        build_korean_scorer("multilingual")
