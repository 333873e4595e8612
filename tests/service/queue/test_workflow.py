"""Queues with filters, sorts and counts; bulk decisions; reversals; rejecting by author."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.factories import (
    ARTICLE,
    SignedIn,
    held,
    post,
    published,
    queue_ids,
    report,
    sign_in,
)


def test_queues_filter_sort_and_count(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    engine: Engine,
) -> None:
    a = held(client, reader)
    b = held(client, other_reader)
    c = held(client, reader, "what an idiot, pathetic")
    post(client, reader, "Held elsewhere, you idiot", article="AEN-2", acknowledge_toxicity=True)
    popular = published(client, reader)
    once = published(client, reader, "Another view.")
    for who in (other_reader, sign_in(engine, "Third")):
        report(client, who, popular)
    report(client, other_reader, once)

    assert queue_ids(client, moderator, article_id=ARTICLE) == [a, b, c]
    assert queue_ids(client, moderator, article_id=ARTICLE, author_id=reader.id) == [a, c]
    assert queue_ids(client, moderator, article_id=ARTICLE, sort="newest") == [c, b, a]
    assert queue_ids(client, moderator, status="reported", sort="reports") == [popular, once]
    counts = client.get("/v1/admin/queues/counts", headers=moderator.headers).json()
    assert counts["counts"] == {"held": 4, "reported": 2, "rejected": 0, "approved": 0}
    assert counts["articles"] == [
        {"article_id": ARTICLE, "held": 3, "reported": 2},
        {"article_id": "AEN-2", "held": 1, "reported": 0},
    ]
    one = client.get(
        "/v1/admin/queues/counts", params={"article_id": "AEN-2"}, headers=moderator.headers
    )
    assert one.json()["counts"]["held"] == 1


def test_bulk_decisions_report_each_result(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    first, second = held(client, reader), held(client, reader)
    approved = held(client, reader)
    client.post(f"/v1/admin/comments/{approved}/approve", headers=moderator.headers)

    response = client.post(
        "/v1/admin/comments:bulk",
        json={"ids": [first, second, approved, 999], "action": "reject", "reason": "offensive"},
        headers=moderator.headers,
    )
    no_reason = client.post(
        "/v1/admin/comments:bulk",
        json={"ids": [first], "action": "reject"},
        headers=moderator.headers,
    )

    assert response.json() == {
        "results": [
            {"id": first, "ok": True, "status": "rejected", "error": None},
            {"id": second, "ok": True, "status": "rejected", "error": None},
            # approved a moment ago by someone: not reversed without saying so
            {"id": approved, "ok": False, "status": None, "error": "invalid_transition"},
            {"id": 999, "ok": False, "status": None, "error": "comment_not_found"},
        ]
    }
    reversed_on_purpose = client.post(
        "/v1/admin/comments:bulk",
        json={
            "ids": [approved],
            "action": "reject",
            "reason": "spam",
            "expected_status": "published",
        },
        headers=moderator.headers,
    )
    assert reversed_on_purpose.json()["results"][0]["status"] == "rejected"
    assert no_reason.status_code == 422


def test_reversing_a_decision_needs_the_status_the_moderator_saw(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    url = f"/v1/admin/comments/{comment_id}"

    blind = client.post(f"{url}/reject", json={"reason": "spam"}, headers=moderator.headers)
    stale = client.post(
        f"{url}/reject",
        json={"reason": "spam", "expected_status": "held"},
        headers=moderator.headers,
    )
    meant = client.post(
        f"{url}/reject",
        json={"reason": "spam", "expected_status": "published"},
        headers=moderator.headers,
    )
    restored = client.post(
        f"{url}/approve", json={"expected_status": "rejected"}, headers=moderator.headers
    )

    assert (blind.status_code, blind.json()["error"]) == (409, "invalid_transition")
    assert "expected_status" in blind.json()["detail"]
    assert stale.status_code == 409
    assert meant.json()["status"] == "rejected", meant.json()
    assert restored.json()["status"] == "published"


def test_reject_everything_by_one_author(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    mine = [published(client, reader), held(client, reader)]
    theirs = published(client, other_reader)

    response = client.post(
        f"/v1/admin/users/{reader.id}/comments:reject",
        json={"reason": "spam"},
        headers=moderator.headers,
    )

    assert [r["id"] for r in response.json()["results"]] == mine
    assert all(r["ok"] for r in response.json()["results"])
    remaining = client.get(f"/v1/articles/{ARTICLE}/comments").json()["items"]
    assert [c["id"] for c in remaining] == [theirs]


def test_the_reported_queue_pages_most_reported_first(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    engine: Engine,
) -> None:
    once = published(client, reader)
    twice = published(client, reader, "Another view.")
    for who in (other_reader, sign_in(engine, "Third")):
        report(client, who, twice)
    report(client, other_reader, once)
    url = "/v1/admin/queue"
    params: dict[str, str | int] = {"status": "reported", "sort": "reports", "limit": 1}

    first = client.get(url, params=params, headers=moderator.headers).json()
    second = client.get(
        url, params={**params, "cursor": first["next_cursor"]}, headers=moderator.headers
    )

    assert second.status_code == 200, second.text
    assert [c["id"] for c in first["items"] + second.json()["items"]] == [twice, once]
