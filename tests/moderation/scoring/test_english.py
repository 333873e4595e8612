"""The embedded English scorer: its features, its agreement with the scikit-learn pipeline it was
trained as, a deterministic rebuild, its explanations, and what the shipped model tells apart on
the hand-written check set (categories, not single sentences)."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from moderation.scoring.english import EnglishModel, EnglishScorer, as_piece, features
from moderation.scoring.english_training import (
    Example,
    civil_sentences,
    fit,
    logits,
    sentences,
    train,
    tweet_text,
)

CHECK_SET = Path(__file__).parent / "english_handwritten.tsv"
TOXIC = ["you are a stupid idiot", "shut up moron", "what a pathetic loser", "idiots like you"]
CIVIL = ["thanks for the report", "a clear and fair article", "I disagree with the plan"]


def check_set() -> dict[str, list[str]]:
    """The hand-written check texts by category (never trained on)."""
    found: dict[str, list[str]] = {}
    for line in CHECK_SET.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            category, text = line.split("\t")
            found.setdefault(category, []).append(text)
    return found


@pytest.fixture(scope="module")
def small_examples() -> list[Example]:
    """A few toxic and civil texts from both sources, varied by a suffix."""
    return [
        Example(f"{text} {suffix}", toxic, source)
        for source in ("olid", "civil")
        for suffix in ("today", "again", "really", "now")
        for texts, toxic in ((TOXIC, True), (CIVIL, False))
        for text in texts
    ]


@pytest.fixture(scope="module")
def small_model(small_examples: list[Example], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("english") / "model.json.gz"
    train(small_examples).write(path)
    return path


@pytest.mark.parametrize("text", ["a", "ab", "You  are\tX", "", "don't you dare, idiot!"])
def test_features_are_scikit_learns_words_pairs_and_char_wb(text: str) -> None:
    words = CountVectorizer(token_pattern=r"\b\w[\w']*\b", ngram_range=(1, 2)).build_analyzer()
    chars = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    found = features(text)
    assert sorted(f[1:] for f in found if f[0] == "w") == sorted(words(text))
    assert [f[1:] for f in found if f[0] == "c"] == chars(text)


def test_the_scorer_computes_what_the_trained_pipeline_computes(
    small_examples: list[Example], small_model: Path
) -> None:
    """The scorer re-implements TF-IDF and the regression over a dictionary; any slip (idf,
    sublinear counts, the norm) would move these logits."""
    texts = [example.text for example in small_examples]
    pipeline = fit(texts, np.array([example.toxic for example in small_examples]))
    probes = [*texts[:6], "an unseen sentence", "stupid report", ""]

    scorer = EnglishScorer(small_model)

    assert [scorer.logit(text) for text in probes] == pytest.approx(
        list(logits(pipeline, probes)), abs=1e-5
    )


def test_training_is_deterministic(
    small_examples: list[Example], small_model: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.json.gz"
    train(small_examples).write(again)
    assert again.read_bytes() == small_model.read_bytes()


def test_a_model_file_round_trips(small_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.json.gz"
    EnglishModel.read(small_model.read_bytes()).write(copy)
    assert copy.read_bytes() == small_model.read_bytes()


def test_the_model_id_names_the_model_and_changes_with_it(small_model: Path) -> None:
    assert EnglishScorer().model_id.startswith("english-ngrams-")
    assert EnglishScorer(small_model).model_id != EnglishScorer().model_id


def test_civil_sentences_are_labelled_by_the_spans_inside_them() -> None:
    text = "Good point on taxes. But you are an idiot! Anyway."
    idiot = text.index("idiot")
    posts = [(text, set(range(idiot, idiot + 5))), ("No span marked here.", set())]

    assert [(e.text, e.toxic) for e in civil_sentences(posts)] == [
        ("Good point on taxes.", False),
        ("But you are an idiot!", True),
        ("Anyway.", False),
    ]
    assert [text[start:end] for start, end, _ in sentences(text)][1] == "But you are an idiot!"


def test_tweets_lose_their_twitter_markers() -> None:
    assert tweet_text("@USER @USER So #MAGA &amp; more URL") == "So MAGA & more"


def test_explain_points_at_the_words_that_raised_the_score() -> None:
    scorer = EnglishScorer()
    text = "Thanks for the update, you pathetic idiot."

    explanation = scorer.explain(text)

    assert explanation.model_id == scorer.model_id
    assert explanation.spans
    assert any("idiot" in span.text for span in explanation.spans)
    assert all(text[span.start : span.end] == span.text for span in explanation.spans)


def test_a_word_feature_is_found_only_as_a_whole_word() -> None:
    assert as_piece("widiot") == " idiot "
    assert as_piece("c idi") == " idi"


def test_the_shipped_model_ranks_attacks_above_civil_criticism() -> None:
    """Hand-written category check: insults and identity attacks score above civil criticism
    of an article or a policy, and no civil criticism is held at the default threshold."""
    scorer = EnglishScorer()
    checks = check_set()
    score = {
        category: [s["toxicity"] for s in scorer.score_batch(texts)]
        for category, texts in checks.items()
    }

    assert max(score["neutral"]) < 0.8
    for category in ("insult", "identity_attack"):
        assert np.median(score[category]) > np.percentile(score["neutral"], 90)
    assert np.mean([s >= 0.8 for s in score["insult"]]) >= 0.5


def test_the_shipped_model_carries_its_figures() -> None:
    model = EnglishScorer().model
    assert set(model.metrics["cross_validated_roc_auc"]) == {"civil", "olid"}
    assert model.metrics["features"] == len(model.features)
