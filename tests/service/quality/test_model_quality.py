"""The model-quality report against figures this test computes itself, on a seeded set of
moderator decisions made through the API."""

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import roc_auc_score
from sqlmodel import Session, select

from moderation.scoring.scorers import Scorer, Scores, SingleModel
from service.app import create_app
from service.comments.labels import CommentLabel
from service.core.settings import Settings
from tests.service.quality.test_shadow import settled
from tests.support.factories import SignedIn, post, report

THRESHOLD = 0.8
"""Every attribute's hold threshold in the test settings."""


class DialScorer(SingleModel):
    """Scores a text what it says: "... scores 0.42" is toxicity 0.42."""

    model_id = "dial-test-model"

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        found = [re.search(r"scores (\d\.\d+)", text) for text in texts]
        return [{"toxicity": float(match.group(1)) if match else 0.0} for match in found]


@pytest.fixture
def scorer() -> Scorer:
    return DialScorer()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One reader reports dozens of comments here."""
    return settings.model_copy(update={"report_rate_limits": ""})


@dataclass(frozen=True)
class Seeded:
    comment_id: int
    number: int
    score: float
    abusive: bool | None
    """None: no label (undecided, or rejected as spam)."""
    missed: bool = False


def seed_decisions(
    client: TestClient, reader: SignedIn, other: SignedIn, moderator: SignedIn, count: int
) -> list[Seeded]:
    """Comments over the whole range of scores, each decided as a moderator might: held ones
    approved or rejected (some as spam), published ones reported then removed or kept up."""
    rng = random.Random(20261207)  # noqa: S311 - reproducible test data, not secrets
    seeded: list[Seeded] = []
    for number in range(count):
        score = round(rng.uniform(0.01, 0.99), 3)
        body = f"Comment {number} scores {score:.3f} on the dial"
        answer = post(client, reader, body, acknowledge_toxicity=True)
        assert answer.status_code == 201, answer.text
        comment_id = answer.json()["id"]
        url = f"/v1/admin/comments/{comment_id}"
        choice = rng.random()
        if answer.json()["status"] == "held":
            if choice < 0.45:
                decided = client.post(f"{url}/approve", headers=moderator.headers)
                seeded.append(Seeded(comment_id, number, score, abusive=False))
            elif choice < 0.9:
                decided = client.post(
                    f"{url}/reject", json={"reason": "offensive"}, headers=moderator.headers
                )
                seeded.append(Seeded(comment_id, number, score, abusive=True))
            else:
                decided = client.post(
                    f"{url}/reject", json={"reason": "spam"}, headers=moderator.headers
                )
                seeded.append(Seeded(comment_id, number, score, abusive=None))
            assert decided.status_code == 200, decided.text
            continue
        if choice < 0.3:
            seeded.append(Seeded(comment_id, number, score, abusive=None))
            continue
        assert report(client, other, comment_id).status_code == 201
        if choice < 0.55:
            decided = client.post(
                f"{url}/reject", json={"reason": "hate_speech"}, headers=moderator.headers
            )
            seeded.append(Seeded(comment_id, number, score, abusive=True, missed=True))
        else:
            decided = client.post(f"{url}/approve", headers=moderator.headers)
            seeded.append(Seeded(comment_id, number, score, abusive=False))
        assert decided.status_code == 200, decided.text
    return seeded


def expected_agreement(
    scores: list[float], abusive: list[bool], threshold: float
) -> dict[str, Any]:
    held = [score >= threshold for score in scores]
    held_abusive = sum(h and a for h, a in zip(held, abusive, strict=True))
    return {
        "held": sum(held),
        "precision": held_abusive / sum(held) if sum(held) else None,
        "recall": held_abusive / sum(abusive) if sum(abusive) else None,
    }


def assert_close(found: dict[str, Any], expected: dict[str, Any]) -> None:
    for name, value in expected.items():
        if value is None or isinstance(value, int):
            assert found[name] == value, name
        else:
            assert found[name] == pytest.approx(value, abs=1e-9), name


def test_the_report_agrees_with_figures_computed_from_the_decisions(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    seeded = seed_decisions(client, reader, other_reader, moderator, count=60)
    labelled = [item for item in seeded if item.abusive is not None]
    scores = [item.score for item in labelled]
    abusive = [bool(item.abusive) for item in labelled]
    assert 0 < sum(abusive) < len(abusive)

    answer = client.get("/v1/admin/model-quality", headers=admin.headers)

    assert answer.status_code == 200, answer.text
    report_body = answer.json()
    assert report_body["thresholds"]["toxicity"] == THRESHOLD
    [model] = report_body["models"]
    assert (model["model_id"], model["role"], model["language"]) == (
        "dial-test-model",
        "served",
        "en",
    )
    assert model["labelled"] == len(labelled)
    assert model["abusive"] == sum(abusive)
    assert model["roc_auc"] == pytest.approx(roc_auc_score(abusive, scores), abs=1e-9)
    assert_close(model["at_thresholds_in_force"], expected_agreement(scores, abusive, THRESHOLD))
    assert [row["threshold"] for row in model["by_threshold"]] == [
        round(0.05 * step, 2) for step in range(1, 20)
    ]
    for row in model["by_threshold"]:
        assert_close(row, expected_agreement(scores, abusive, row["threshold"]))
    misses = sorted((item.score, item.comment_id) for item in labelled if item.missed)
    assert model["misses"]["count"] == len(misses)
    assert model["misses"]["held"] == 0  # the model published every one of them
    assert [(m["score"], m["comment_id"]) for m in model["misses"]["lowest"]] == misses[:20]
    assert model["served_on_same_comments"] is None


def test_a_period_without_decisions_has_no_models_and_a_bad_period_is_refused(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    seed_decisions(client, reader, reader, moderator, count=0)
    empty = client.get(
        "/v1/admin/model-quality",
        params={"from": "2020-01-01", "to": "2020-02-01"},
        headers=admin.headers,
    )
    assert empty.status_code == 200
    assert empty.json()["models"] == []
    backwards = client.get(
        "/v1/admin/model-quality",
        params={"from": "2026-02-01", "to": "2026-01-01"},
        headers=admin.headers,
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"] == "invalid_period"


def test_only_admins_read_the_report(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    assert client.get("/v1/admin/model-quality").status_code == 401
    assert client.get("/v1/admin/model-quality", headers=reader.headers).status_code == 403
    assert client.get("/v1/admin/model-quality", headers=moderator.headers).status_code == 403


def labels(client: TestClient) -> dict[int, CommentLabel]:
    engine = client.app.state.database.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        return {label.comment_id: label for label in session.exec(select(CommentLabel))}


def test_the_latest_decision_is_the_label_and_an_edit_forgets_it(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    held = post(client, reader, "Mixed 기사 scores 0.900", acknowledge_toxicity=True).json()["id"]
    url = f"/v1/admin/comments/{held}"
    client.post(f"{url}/reject", json={"reason": "offensive"}, headers=moderator.headers)
    assert labels(client)[held].abusive
    assert labels(client)[held].kind == "held_rejected"
    assert labels(client)[held].language == "en+ko"
    restored = client.post(
        f"{url}/approve", json={"expected_status": "rejected"}, headers=moderator.headers
    )
    assert restored.status_code == 200, restored.text
    assert not labels(client)[held].abusive
    assert labels(client)[held].kind == "restored"

    edited = client.patch(
        f"/v1/comments/{held}", json={"body": "Reworded, scores 0.100"}, headers=reader.headers
    )
    assert edited.status_code == 200, edited.text
    assert held not in labels(client)


def test_a_rejection_as_spam_and_an_authors_own_deletion_are_no_labels(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    spam = post(client, reader, "Buy now, scores 0.900", acknowledge_toxicity=True).json()["id"]
    client.post(
        f"/v1/admin/comments/{spam}/reject", json={"reason": "spam"}, headers=moderator.headers
    )
    own = post(client, reader, "Never mind, scores 0.100").json()["id"]
    assert client.delete(f"/v1/comments/{own}", headers=reader.headers).status_code == 204
    assert labels(client) == {}


class NoisyDial(DialScorer):
    """A second opinion: the dial's score, moved by a fixed amount per text."""

    model_id = "noisy-dial-model"

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        return [
            {"toxicity": min(1.0, max(0.0, scores["toxicity"] + noise(text)))}
            for text, scores in zip(texts, super().score_batch(texts), strict=True)
        ]


def noise(text: str) -> float:
    return (sum(map(ord, text)) % 41 - 20) / 100


def test_a_shadow_model_is_measured_beside_the_served_one_on_the_same_comments(
    settings: Settings,
    scorer: Scorer,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    with TestClient(create_app(settings, scorer=scorer, shadow=NoisyDial())) as client:
        seeded = seed_decisions(client, reader, other_reader, moderator, count=40)
        settled(client, posted=40)
        models = client.get("/v1/admin/model-quality", headers=admin.headers).json()["models"]
    labelled = [item for item in seeded if item.abusive is not None]
    abusive = [bool(item.abusive) for item in labelled]
    served, shadow = models
    assert (served["role"], shadow["role"]) == ("served", "shadow")
    assert shadow["model_id"] == "noisy-dial-model"
    assert shadow["labelled"] == len(labelled)
    shadow_scores = [
        min(
            1.0,
            max(
                0.0,
                item.score + noise(f"Comment {item.number} scores {item.score:.3f} on the dial"),
            ),
        )
        for item in labelled
    ]
    assert shadow["roc_auc"] == pytest.approx(roc_auc_score(abusive, shadow_scores), abs=1e-9)
    assert_close(
        shadow["at_thresholds_in_force"], expected_agreement(shadow_scores, abusive, THRESHOLD)
    )
    same = shadow["served_on_same_comments"]
    assert same["labelled"] == len(labelled)
    assert same["roc_auc"] == pytest.approx(served["roc_auc"], abs=1e-12)
    caught = sum(
        score >= THRESHOLD
        for item, score in zip(labelled, shadow_scores, strict=True)
        if item.missed
    )
    assert shadow["misses"]["held"] == caught


def test_a_shadow_that_routes_a_text_to_the_served_model_is_no_second_opinion(
    settings: Settings,
    scorer: Scorer,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    """An English shadow routes Korean text to the Korean model the service serves: those
    scores are the served model's own, and the report does not show them as a shadow's."""
    with TestClient(create_app(settings, scorer=scorer, shadow=DialScorer())) as client:
        seed_decisions(client, reader, other_reader, moderator, count=10)
        settled(client, posted=10)
        models = client.get("/v1/admin/model-quality", headers=admin.headers).json()["models"]
    assert [model["role"] for model in models] == ["served"]
