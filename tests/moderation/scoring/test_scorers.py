import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from moderation.scoring.english import EmbeddedScorer
from moderation.scoring.scorers import (
    DetoxifyScorer,
    ProfanityCheckScorer,
    ScorerUnavailable,
    Scores,
    build_scorer,
    detoxify_weights_available,
)
from tests.support.tiny_detoxify import TinyDetoxify, build_tiny_detoxify

DETOXIFY_ATTRIBUTES = {
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyDetoxify:
    return build_tiny_detoxify(tmp_path_factory.mktemp("detoxify"))


@pytest.fixture(scope="module")
def tiny_scorer(tiny: TinyDetoxify) -> DetoxifyScorer:
    return DetoxifyScorer(checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)


def test_the_profanity_half_computes_what_the_package_computes() -> None:
    """The direct computation is the package's model, not an approximation of it."""
    from profanity_check import predict_prob

    texts = [
        "Thanks for the clear report on the trilateral statement.",
        "You are a pathetic idiot and everyone hates you",
        "This government is a damn disgrace and the minister should resign",
        "I disagree with the editorial, but it is well argued.",
        "shut up you stupid troll",
        "What a load of crap, the reporter clearly knows nothing",
        "정말 좋은 기사입니다. 감사합니다",
        "이 기사 쓰레기네 ㅋㅋ",
        "The match was brilliant; Son scored twice!",
        "idiot idiot idiot, you IDIOT, what an idiot",
        "the of and to it",
        "",
        "a",
        "🙂" * 50,
        "x" * 250,
    ]

    profanity = ProfanityCheckScorer()
    scores = [s["toxicity"] for s in profanity.score_batch(texts)]

    assert scores == pytest.approx(list(predict_prob(texts)), abs=1e-12)
    assert profanity.score_batch(texts[:1]) == profanity.score_batch(texts)[:1]


def test_the_embedded_model_is_the_mean_of_its_two_halves(embedded_scorer: EmbeddedScorer) -> None:
    texts = ["You are a pathetic idiot", "Thanks for the report", "", "이 기사 쓰레기네"]
    halves = zip(
        embedded_scorer.ngrams.score_batch(texts),
        embedded_scorer.profanity.score_batch(texts),
        strict=True,
    )
    expected = [(first["toxicity"] + second["toxicity"]) / 2 for first, second in halves]

    assert [s["toxicity"] for s in embedded_scorer.score_batch(texts)] == expected


def test_embedded_scorer_tells_abuse_from_a_civil_comment(embedded_scorer: EmbeddedScorer) -> None:
    abusive, civil = embedded_scorer.score_batch(
        [
            "You are a pathetic idiot and everyone hates you",
            "Thanks for the clear report on the trilateral statement.",
        ]
    )

    assert abusive["toxicity"] >= 0.8
    assert civil["toxicity"] < 0.2
    assert embedded_scorer.model_id.startswith("english-ngrams-")
    assert "+alt-profanity-check-" in embedded_scorer.model_id


def test_detoxify_loads_a_local_checkpoint_whose_model_type_names_the_hub(
    tiny_scorer: DetoxifyScorer,
) -> None:
    """The checkpoint stores `bert-base-uncased`; with HF_HUB_OFFLINE=1 and no cache, detoxify's
    loader would fail on it, so loading at all proves the scorer pointed it at the local folder."""
    (scores,) = tiny_scorer.score_batch(["thanks for the clear report"])

    assert set(scores) == DETOXIFY_ATTRIBUTES
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    assert tiny_scorer.model_id.endswith(":tiny-detoxify")


def test_detoxify_batch_gives_one_mapping_per_text_in_order(tiny_scorer: DetoxifyScorer) -> None:
    texts = ["you idiot", "great article", "thanks"]

    batch = tiny_scorer.score_batch(texts)
    one_by_one = [tiny_scorer.score_batch([text])[0] for text in texts]

    assert len(batch) == 3
    for together, alone in zip(batch, one_by_one, strict=True):
        assert together == pytest.approx(alone, abs=1e-5)


def test_detoxify_scores_a_batch_in_passes_of_similar_length(
    tiny_scorer: DetoxifyScorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One long comment gets a pass of its own instead of padding the short ones to its length;
    the scores stay those of one plain `Detoxify.predict` call, in order."""
    texts = ["ok", "the minister statement thanks " * 20, "you idiot", "great article"]
    plain = tiny_scorer.predict(texts)
    passes: list[list[str]] = []
    predict = tiny_scorer.predict

    def recorded(batch: list[str]) -> list[dict[str, float]]:
        passes.append(list(batch))
        return predict(batch)

    monkeypatch.setattr(tiny_scorer, "predict", recorded)
    scores = tiny_scorer.score_batch(texts)

    assert [texts[1]] in passes
    assert sorted(text for batch in passes for text in batch) == sorted(texts)
    assert scores == [pytest.approx(expected, abs=1e-5) for expected in plain]


def test_detoxify_truncates_long_input_when_the_tokenizer_config_has_no_max_length(
    tmp_path: Path,
) -> None:
    tiny = build_tiny_detoxify(tmp_path, write_max_length=False)
    scorer = DetoxifyScorer(checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)

    (scores,) = scorer.score_batch(["the stupid minister " * 400])  # ~1,200 tokens

    assert set(scores) == DETOXIFY_ATTRIBUTES


def test_auto_uses_detoxify_when_its_weights_are_local(tiny: TinyDetoxify) -> None:
    scorer = build_scorer("auto", checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)

    assert isinstance(scorer, DetoxifyScorer)


def test_auto_falls_back_to_the_embedded_model_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        scorer = build_scorer("auto", checkpoint=tmp_path / "missing.ckpt")

    assert isinstance(scorer, EmbeddedScorer)
    assert "SCORER FALLBACK" in caplog.text


def test_detoxify_on_request_without_weights_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScorerUnavailable, match="COMMENTMOD_DETOXIFY_CHECKPOINT"):
        build_scorer("detoxify", checkpoint=tmp_path / "missing.ckpt")


def test_a_variant_counts_as_available_only_when_torch_hub_cached_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch.hub

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    assert not detoxify_weights_available("original", checkpoint=None, config_dir=None)

    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "toxic_original-c1212f89.ckpt").write_bytes(b"weights")
    assert detoxify_weights_available("original", checkpoint=None, config_dir=None)
    assert not detoxify_weights_available("no-such-variant", checkpoint=None, config_dir=None)


def test_a_file_that_is_not_a_detoxify_checkpoint_is_refused(tmp_path: Path) -> None:
    import torch

    bogus = tmp_path / "bogus.ckpt"
    torch.save({"weights": []}, bogus)

    with pytest.raises(ScorerUnavailable, match="not a Detoxify checkpoint"):
        DetoxifyScorer(checkpoint=bogus, config_dir=tmp_path)


def test_a_damaged_checkpoint_is_a_clear_error(tiny: TinyDetoxify, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.ckpt"
    damaged.write_bytes(tiny.checkpoint.read_bytes()[:1000])

    with pytest.raises(ScorerUnavailable, match=r"damaged.ckpt is not a Detoxify checkpoint"):
        DetoxifyScorer(checkpoint=damaged, config_dir=tiny.config_dir)


def test_a_checkpoint_for_another_model_shape_is_a_clear_error(
    tiny: TinyDetoxify, tmp_path: Path
) -> None:
    wider = build_tiny_detoxify(tmp_path / "wider", hidden_size=64)

    with pytest.raises(ScorerUnavailable, match=r"could not be loaded: RuntimeError"):
        DetoxifyScorer(checkpoint=tiny.checkpoint, config_dir=wider.config_dir)


def test_auto_says_why_it_falls_back_when_weights_are_there_but_unusable(
    tiny: TinyDetoxify, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = tmp_path / "damaged.ckpt"
    damaged.write_bytes(b"not a checkpoint")

    with caplog.at_level(logging.WARNING):
        scorer = build_scorer("auto", checkpoint=damaged, config_dir=tiny.config_dir)

    assert isinstance(scorer, EmbeddedScorer)
    assert "found but cannot be used" in caplog.text
    assert "damaged.ckpt is not a Detoxify checkpoint" in caplog.text
    assert "no Detoxify weights on this machine" not in caplog.text


class WatchedTokenizer:
    """The model's tokenizer, noting how many calls are inside it at once (each lingers 2 ms, so
    two threads that may overlap do)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.inside = self.most = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            time.sleep(0.002)
            return self.inner(*args, **kwargs)
        finally:
            with self._lock:
                self.inside -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_the_tokenizer_is_used_by_one_thread_at_a_time(tiny: TinyDetoxify) -> None:
    """An explanation scores in its own thread while the comments are scored in theirs. The
    tokenizer switches its shared padding setting on every call, so two calls at once can
    hand one of them the other's setting (a batch that cannot be made a tensor, or padding
    where none was asked): the scorer lets one call in at a time."""
    scorer = DetoxifyScorer(checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)
    watched = WatchedTokenizer(scorer.tokenizer)
    scorer._model.tokenizer = watched
    texts = ["ok", "a short one", "a somewhat longer comment about the budget and the minister"]
    expected = scorer.score_batch(texts)

    def score(call: Callable[[list[str]], list[Scores]]) -> None:
        for _ in range(20):
            call(texts)

    threads = [
        threading.Thread(target=score, args=(scorer.score_batch,)),
        threading.Thread(target=score, args=(scorer.predict,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert watched.most == 1
    assert scorer.score_batch(texts) == expected
