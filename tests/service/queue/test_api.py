"""The moderators' contract: queue, detail, decisions, audit."""

import pytest
from fastapi.testclient import TestClient

from moderation.scoring.scorers import Scorer
from tests.support.factories import ARTICLE, CIVIL, SignedIn, held, post
from tests.support.scorers import ScriptedScorer


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/admin/queue"),
        ("GET", "/v1/admin/comments/1"),
        ("POST", "/v1/admin/comments/1/approve"),
        ("POST", "/v1/admin/comments/1/reject"),
        ("GET", "/v1/admin/audit"),
    ],
)
def test_admin_routes_refuse_readers_and_strangers(
    client: TestClient, reader: SignedIn, method: str, path: str
) -> None:
    anonymous = client.request(method, path)
    as_reader = client.request(method, path, headers=reader.headers, json={"reason": "spam"})

    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "not_authenticated"
    assert as_reader.status_code == 403
    assert as_reader.json() == {"error": "forbidden", "detail": "Only moderators can do this."}


def test_the_held_queue_lists_scores_oldest_first(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    first = held(client, reader)
    post(client, reader, CIVIL)
    second = held(client, reader, "What an idiot take on the summit, pathetic")

    items = client.get("/v1/admin/queue", headers=moderator.headers).json()["items"]

    assert [item["id"] for item in items] == [first, second]
    assert items[0]["status_reason"] == "toxic"
    assert items[0]["scores"]["toxicity"] == items[0]["toxicity"]
    assert items[0]["model_id"].startswith("english-ngrams-")


class TestQueueOrderByToxicity:
    @pytest.fixture
    def scorer(self) -> Scorer:
        class ByLength(ScriptedScorer):
            """Longer texts score worse, so the expected order is easy to read."""

            def score_batch(self, texts):  # type: ignore[no-untyped-def]
                return [{"toxicity": min(0.99, 0.8 + len(t) / 1000)} for t in texts]

        return ByLength()

    def test_worst_first_with_a_cursor(
        self, client: TestClient, reader: SignedIn, moderator: SignedIn
    ) -> None:
        ids = {length: held(client, reader, "x" * length) for length in (10, 150, 40, 150, 90)}

        url = "/v1/admin/queue"
        page1 = client.get(url, params={"sort": "toxicity", "limit": 2}, headers=moderator.headers)
        cursor = page1.json()["next_cursor"]
        page2 = client.get(
            url,
            params={"sort": "toxicity", "limit": 10, "cursor": cursor},
            headers=moderator.headers,
        )

        order = [item["id"] for item in page1.json()["items"] + page2.json()["items"]]
        toxicity = [item["toxicity"] for item in page1.json()["items"] + page2.json()["items"]]
        assert len(order) == 5 == len(set(order))
        assert toxicity == sorted(toxicity, reverse=True)
        assert order[-1] == ids[10]


def test_approve_publishes_and_the_audit_names_the_moderator(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = held(client, reader)

    response = client.post(
        f"/v1/admin/comments/{comment_id}/approve",
        json={"note": "Robust criticism, not abuse."},
        headers=moderator.headers,
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == (
        "published",
        "approved",
    )
    newest = client.get("/v1/admin/audit", headers=moderator.headers).json()["items"][0]
    assert newest["comment_id"] == comment_id
    assert (newest["from_status"], newest["to_status"]) == ("held", "published")
    assert newest["actor_id"] == moderator.id
    assert newest["note"] == "Robust criticism, not abuse."
    listed = client.get(f"/v1/articles/{ARTICLE}/comments").json()["items"]
    assert comment_id in [c["id"] for c in listed]


def test_approve_without_a_body_is_fine(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = held(client, reader)

    response = client.post(f"/v1/admin/comments/{comment_id}/approve", headers=moderator.headers)

    assert response.status_code == 200


def test_reject_needs_a_known_reason_and_is_audited(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = held(client, reader)
    url = f"/v1/admin/comments/{comment_id}/reject"

    unknown = client.post(url, json={"reason": "because"}, headers=moderator.headers)
    assert unknown.status_code == 422
    assert unknown.json()["error"] == "validation_error"

    response = client.post(
        url, json={"reason": "offensive", "note": "personal attack"}, headers=moderator.headers
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["status_reason"] == "offensive"

    detail = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers).json()
    assert [
        (a["action"], a["from_status"], a["to_status"], a["actor_id"]) for a in detail["actions"]
    ] == [
        ("created", None, "held", None),
        ("status_change", "held", "rejected", moderator.id),
        ("statement_of_reasons", None, None, moderator.id),
    ]


def test_deciding_twice_is_an_invalid_transition(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = held(client, reader)
    approve = f"/v1/admin/comments/{comment_id}/approve"

    assert client.post(approve, headers=moderator.headers).status_code == 200
    again = client.post(approve, headers=moderator.headers)

    assert again.status_code == 409
    assert again.json()["error"] == "invalid_transition"
    audit = client.get("/v1/admin/audit", headers=moderator.headers).json()["items"]
    assert [a["to_status"] for a in audit if a["comment_id"] == comment_id] == [
        "published",
        "held",
    ]


def test_a_deleted_comment_cannot_be_approved(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = held(client, reader)
    client.delete(f"/v1/comments/{comment_id}", headers=reader.headers)

    response = client.post(f"/v1/admin/comments/{comment_id}/approve", headers=moderator.headers)

    assert response.status_code == 409
    assert response.json()["error"] == "invalid_transition"


def test_an_unknown_comment_is_404(client: TestClient, moderator: SignedIn) -> None:
    for response in (
        client.get("/v1/admin/comments/999", headers=moderator.headers),
        client.post("/v1/admin/comments/999/approve", headers=moderator.headers),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "comment_not_found"


def test_the_audit_log_pages_newest_first(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    for _ in range(3):
        post(client, reader, CIVIL)

    first = client.get("/v1/admin/audit", params={"limit": 2}, headers=moderator.headers).json()
    rest = client.get(
        "/v1/admin/audit", params={"cursor": first["next_cursor"]}, headers=moderator.headers
    ).json()

    ids = [a["id"] for a in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 3
    assert rest["next_cursor"] is None


class TestHoldPreview:
    @pytest.fixture
    def scorer(self, scripted_scorer: ScriptedScorer) -> Scorer:
        return scripted_scorer  # 0.95 with "idiot", else 0.05

    def test_a_threshold_change_is_previewed_over_the_last_days_comments(
        self, client: TestClient, reader: SignedIn, moderator: SignedIn
    ) -> None:
        held(client, reader)  # toxicity 0.95 (held at 0.8)
        post(client, reader, CIVIL)  # 0.05
        url = "/v1/admin/queues/held/preview"

        unchanged = client.get(url, headers=moderator.headers).json()
        assert (unchanged["days"], unchanged["scored"]) == (7, 2)
        assert (unchanged["held_now"], unchanged["held_proposed"]) == (1, 1)

        stricter = client.get(url, params={"toxicity": 0.01}, headers=moderator.headers).json()
        assert (stricter["held_now"], stricter["held_proposed"]) == (1, 2)
        toxicity = next(a for a in stricter["by_attribute"] if a["attribute"] == "toxicity")
        assert toxicity == {
            "attribute": "toxicity",
            "current": 0.8,
            "proposed": 0.01,
            "held_now": 1,
            "held_proposed": 2,
        }
        looser = client.get(url, params={"toxicity": 1.0}, headers=moderator.headers).json()
        assert looser["held_proposed"] == 0


@pytest.mark.parametrize(
    "params", [{"toxicity": 0}, {"toxicity": 1.5}, {"toxicity": "high"}, {"days": 31}, {"x": 1}]
)
def test_a_preview_of_thresholds_out_of_range_is_refused(
    client: TestClient, moderator: SignedIn, params: dict[str, str | int]
) -> None:
    answer = client.get("/v1/admin/queues/held/preview", params=params, headers=moderator.headers)
    assert (answer.status_code, answer.json()["error"]) == (422, "validation_error")


def test_the_preview_names_every_attribute_a_model_reports() -> None:
    from moderation.scoring.scorers import TOXICITY_ATTRIBUTES
    from service.queue.schemas import ProposedThresholds

    assert set(ProposedThresholds.model_fields) - {"days"} == set(TOXICITY_ATTRIBUTES)


def test_readers_cannot_preview_thresholds(client: TestClient, reader: SignedIn) -> None:
    assert client.get("/v1/admin/queues/held/preview", headers=reader.headers).status_code == 403
