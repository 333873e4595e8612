"""A shadow model scores every new comment after its answer has gone: a slow one, one that
raises and a full queue delay and fail nothing, and each is counted."""

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from moderation.scoring.scorers import Scorer, Scores
from service.app import create_app, load_scorer
from service.core.settings import Settings
from service.quality.models import ShadowScore
from tests.support.factories import SignedIn, post
from tests.support.scorers import ScriptedScorer


class GatedShadow(ScriptedScorer):
    """Scores only once the test opens the gate: a shadow as slow as the test wants."""

    model_id = "gated-shadow"

    def __init__(self) -> None:
        super().__init__(toxic_words=("dreadful",))
        self.gate = threading.Event()
        self.scoring = threading.Event()

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        self.scoring.set()
        self.gate.wait(10)
        return super().score_batch(texts)


def app_with(settings: Settings, scorer: Scorer, shadow: Scorer, **changes: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes), scorer=scorer, shadow=shadow))


def shadow_health(client: TestClient) -> dict[str, Any]:
    answer = client.get("/health")
    assert answer.status_code == 200, answer.text
    shadow: dict[str, Any] = answer.json()["scorer"]["shadow"]
    return shadow


def settled(client: TestClient, posted: int) -> dict[str, Any]:
    """The shadow's counts once every comment offered to it was scored, failed or dropped."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        counts = shadow_health(client)
        if counts["scored"] + counts["failed"] + counts["dropped"] == posted:
            return counts
        time.sleep(0.02)
    raise AssertionError(f"the shadow did not settle: {shadow_health(client)}")


def shadow_rows(client: TestClient) -> list[ShadowScore]:
    engine = client.app.state.database.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        return list(session.exec(select(ShadowScore).order_by(col(ShadowScore.comment_id))))


@pytest.fixture
def gated() -> Iterator[GatedShadow]:
    shadow = GatedShadow()
    yield shadow
    shadow.gate.set()


def test_every_new_and_edited_comment_is_scored_again_and_stored_with_the_shadows_model_id(
    settings: Settings, scorer: Scorer, reader: SignedIn
) -> None:
    shadow = ScriptedScorer(toxic_words=("dreadful",))
    with app_with(settings, scorer, shadow) as client:
        first = post(client, reader, "A dreadful take on the budget").json()["id"]
        second = post(client, reader, "A fair take on the budget").json()["id"]
        edited = client.patch(
            f"/v1/comments/{second}", json={"body": "A fair, dreadful take"}, headers=reader.headers
        )
        assert edited.status_code == 200, edited.text
        counts = settled(client, posted=3)
        assert (counts["model_id"], counts["scored"], counts["failed"]) == (
            "scripted-test-scorer",
            3,
            0,
        )
        rows = shadow_rows(client)
    assert [(row.comment_id, row.model_id, row.scores) for row in rows] == [
        (first, "scripted-test-scorer", {"toxicity": 0.95}),
        (second, "scripted-test-scorer", {"toxicity": 0.95}),  # the edited text's scores
    ]


def test_a_shadow_that_raises_fails_nothing_and_is_counted(
    settings: Settings, scorer: Scorer, reader: SignedIn
) -> None:
    shadow = ScriptedScorer()
    shadow.fail = True
    with app_with(settings, scorer, shadow) as client:
        for number in range(3):
            answer = post(client, reader, f"Comment number {number} on the budget")
            assert answer.status_code == 201
            assert answer.json()["status"] == "published"
        counts = settled(client, posted=3)
        assert (counts["scored"], counts["failed"]) == (0, 3)
        assert shadow_rows(client) == []


def test_a_slow_shadow_delays_no_answer_and_what_overflows_its_queue_is_dropped(
    settings: Settings, scorer: Scorer, reader: SignedIn, gated: GatedShadow
) -> None:
    with app_with(settings, scorer, gated, shadow_queue=2) as client:
        first = post(client, reader, "The first comment on the budget")
        assert gated.scoring.wait(10), "the shadow never started scoring"
        answers = [post(client, reader, f"Comment number {n} on the budget") for n in range(5)]
        assert [answer.status_code for answer in [first, *answers]] == [201] * 6
        waiting = shadow_health(client)
        assert (waiting["scored"], waiting["waiting"], waiting["dropped"]) == (0, 2, 3)
        gated.gate.set()
        counts = settled(client, posted=6)
        rows = shadow_rows(client)
    assert (counts["scored"], counts["dropped"]) == (3, 3)
    kept = [first.json()["id"], answers[0].json()["id"], answers[1].json()["id"]]
    assert [row.comment_id for row in rows] == kept


def test_health_names_no_shadow_when_none_is_on_trial(client: TestClient) -> None:
    assert client.get("/health").json()["scorer"]["shadow"] is None


def test_the_embedded_models_can_be_the_shadow_by_setting(
    settings: Settings, scorer: Scorer, reader: SignedIn
) -> None:
    trial = settings.model_copy(update={"shadow_scorer": "embedded"})
    with TestClient(create_app(trial, scorer=scorer)) as client:
        post(client, reader, "Thanks for the clear report 감사합니다")
        counts = settled(client, posted=1)
    assert (
        counts["model_id"]
        == load_scorer(settings.model_copy(update={"scorer": "embedded"})).model_id
    )
    assert counts["scored"] == 1


def test_a_shadow_that_cannot_be_loaded_is_left_out(
    settings: Settings, scorer: Scorer, tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    trial = settings.model_copy(update={"shadow_scorer": str(tmp_path)})
    with TestClient(create_app(trial, scorer=scorer)) as client:
        assert client.get("/health").json()["scorer"]["shadow"] is None
    assert "SHADOW MODEL LEFT OUT" in caplog.text
