"""The embedded Korean scorer: its features, its agreement with the scikit-learn pipeline it was
trained as, a deterministic rebuild, and what the shipped model tells apart."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from moderation.scoring.korean import KoreanModel, KoreanScorer, char_ngrams
from moderation.scoring.korean_training import (
    NEWS_WEIGHT,
    TRAINING_SETS,
    Example,
    fit,
    logits,
    train,
)

TOXIC = ["병신 꺼져", "이 새끼 진짜 미친놈", "닥쳐 병신아", "기레기 꺼져라 새끼야", "미친놈 개소리"]
CIVIL = [
    "좋은 기사 감사합니다",
    "잘 읽었습니다",
    "취재 수고하셨습니다",
    "유익한 기사네요",
    "정말 좋네요",
]


@pytest.fixture(scope="module")
def small_sets() -> dict[str, list[Example]]:
    """Every training set, small: a few toxic and civil texts each, varied by a suffix."""
    return {
        name: [
            Example(f"{text} {suffix}", toxic)
            for suffix in ("ㅋㅋ", "진짜", "오늘")
            for texts, toxic in ((TOXIC, True), (CIVIL, False))
            for text in texts
        ][: 12 + 4 * index]
        for index, name in enumerate(TRAINING_SETS)
    }


@pytest.fixture(scope="module")
def small_model(
    small_sets: dict[str, list[Example]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("korean") / "model.json.gz"
    train(small_sets).write(path)
    return path


@pytest.mark.parametrize(
    "text", ["a", "ab", "정말 좋은 기사입니다", "You  are\tX", "", "\uff21\uff22 가"]
)
def test_ngrams_are_scikit_learns_char_wb(text: str) -> None:
    sklearn = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)).build_analyzer()
    assert char_ngrams(text) == sklearn(text)


def test_the_scorer_computes_what_the_trained_pipeline_computes(
    small_sets: dict[str, list[Example]], small_model: Path
) -> None:
    """The scorer re-implements TF-IDF, the NB weights and the regression over a dictionary;
    any slip (idf, sublinear counts, the norm) would move these logits."""
    examples = [example for name in TRAINING_SETS for example in small_sets[name]]
    texts = [example.text for example in examples]
    toxic = np.array([example.toxic for example in examples])
    weights = np.array(
        [
            NEWS_WEIGHT if name == "beep-train" else 1.0
            for name in TRAINING_SETS
            for _ in small_sets[name]
        ]
    )
    pipeline = fit(texts, toxic, weights)
    probes = [*texts[:6], "처음 보는 문장", "병신 기사", ""]

    scorer = KoreanScorer(small_model)

    assert [scorer.logit(text) for text in probes] == pytest.approx(
        list(logits(pipeline, probes)), abs=1e-5
    )


def test_training_is_deterministic(
    small_sets: dict[str, list[Example]], small_model: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.json.gz"
    train(small_sets).write(again)
    assert again.read_bytes() == small_model.read_bytes()


def test_the_model_id_changes_with_the_model(small_model: Path) -> None:
    assert KoreanScorer(small_model).model_id != KoreanScorer().model_id
    assert KoreanScorer().model_id.startswith("korean-char-ngrams-")


def test_the_shipped_model_holds_korean_abuse_and_publishes_civil_korean() -> None:
    scorer = KoreanScorer()
    abusive = ["닥쳐 병신아", "이 기자 진짜 멍청한 새끼네", "씨발 기레기 꺼져라"]
    civil = [
        "좋은 기사 감사합니다. 잘 읽었습니다.",
        "정말 유익한 기사네요",
        "기자님 취재 수고하셨습니다",
    ]

    assert all(s["toxicity"] >= 0.8 for s in scorer.score_batch(abusive))
    assert all(s["toxicity"] < 0.5 for s in scorer.score_batch(civil))


def test_the_shipped_model_carries_its_figures() -> None:
    metrics = KoreanScorer().model.metrics
    assert set(metrics["cross_validated_roc_auc"]) == set(TRAINING_SETS)
    assert metrics["ngrams"] == len(KoreanScorer().model.ngrams)


def test_a_model_file_round_trips(small_model: Path, tmp_path: Path) -> None:
    model = KoreanModel.read(small_model.read_bytes())
    copy = tmp_path / "copy.json.gz"
    model.write(copy)
    assert copy.read_bytes() == small_model.read_bytes()
