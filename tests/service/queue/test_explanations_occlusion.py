"""The comment view explains a Detoxify export's score by occlusion: computed when a moderator
opens the comment, off the event loop, within the scoring time-out, and kept for the next open."""

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from moderation.scoring.explanations import Explanation, Span
from moderation.scoring.export import export_detoxify
from moderation.scoring.korean import KoreanScorer
from moderation.scoring.onnx import OnnxScorer
from moderation.scoring.routing import RoutedScorer
from moderation.scoring.scorers import Scorer, Scores
from service.core.settings import Settings
from tests.support.factories import SignedIn, post
from tests.support.scorers import ScriptedScorer
from tests.support.tiny_detoxify import build_tiny_detoxify

COMMENT = "You are a pathetic idiot, and everyone hates this article!"


class CountedOnnx(OnnxScorer):
    """The export, counting the batches it scores."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.batches: list[list[str]] = []

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        self.batches.append(list(texts))
        return super().score_batch(texts)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tiny = build_tiny_detoxify(tmp_path_factory.mktemp("detoxify"), classifier_scale=100.0)
    out = tmp_path_factory.mktemp("export") / "model"
    export_detoxify(out, checkpoint=tiny.checkpoint, config_dir=tiny.config_dir)
    return out


@pytest.fixture
def onnx(exported: Path) -> CountedOnnx:
    return CountedOnnx(exported)


@pytest.fixture
def scorer(onnx: CountedOnnx) -> Scorer:
    """As the service loads an export: English to it, Korean to the embedded model."""
    return RoutedScorer(english=onnx, korean=KoreanScorer())


def stored(client: TestClient, reader: SignedIn, body: str) -> int:
    response = post(client, reader, body, acknowledge_toxicity=True)
    assert response.status_code == 201, response.text
    comment_id: int = response.json()["id"]
    return comment_id


def test_the_comment_view_explains_the_exports_score_and_keeps_it(
    client: TestClient, reader: SignedIn, moderator: SignedIn, onnx: CountedOnnx
) -> None:
    comment_id = stored(client, reader, COMMENT)
    scored = len(onnx.batches)

    first = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers)
    assert first.status_code == 200, first.text
    (explanation,) = first.json()["explanation"]
    assert explanation["model_id"] == onnx.model_id == first.json()["model_id"]
    assert explanation["spans"] == [
        {"start": s.start, "end": s.end, "text": s.text, "weight": s.weight}
        for s in onnx.explain(COMMENT).spans
    ]
    assert explanation["spans"], "no word lowers the tiny model's score: the test shows nothing"
    assert len(onnx.batches) == scored + 2  # the view's one batch, and the line above's

    again = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers)
    assert again.json()["explanation"] == first.json()["explanation"]
    assert len(onnx.batches) == scored + 2  # from memory


class SlowToExplain(ScriptedScorer):
    """Scores at once, explains in `delay` seconds."""

    model_id = "slow-to-explain"

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.explain_delay = delay
        self.explained = threading.Event()
        self.calls = 0

    def explain(self, text: str) -> Explanation:
        self.calls += 1
        time.sleep(self.explain_delay)
        self.explained.set()
        return Explanation(self.model_id, [Span(0, 3, text[:3], 0.5)])


class TestAnExplanationPastTheTimeOut:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"scoring_timeout": 0.2})

    @pytest.fixture
    def slow(self) -> SlowToExplain:
        return SlowToExplain(delay=1.0)

    @pytest.fixture
    def scorer(self, slow: SlowToExplain) -> Scorer:
        return RoutedScorer(english=slow, korean=KoreanScorer())

    def test_the_view_answers_without_it_and_the_next_open_has_it(
        self, client: TestClient, reader: SignedIn, moderator: SignedIn, slow: SlowToExplain
    ) -> None:
        comment_id = stored(client, reader, "You idiot")

        started = time.monotonic()
        first = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers)
        assert first.status_code == 200, first.text
        assert first.json()["explanation"] == []
        assert time.monotonic() - started < slow.explain_delay

        assert slow.explained.wait(5)  # the computation went on
        deadline = time.monotonic() + 5
        while True:  # its result reaches the cache on the event loop, a moment later
            again = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers)
            if again.json()["explanation"] or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert again.json()["explanation"] == [
            {
                "model_id": slow.model_id,
                "spans": [{"start": 0, "end": 3, "text": "You", "weight": 0.5}],
            }
        ]
        assert slow.calls == 1
