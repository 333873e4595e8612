"""A reader's notifications: replies, approvals and statements, newest first, with an unread
count for the badge; marking read by id or all at once, never someone else's."""

from typing import Any

import httpx2
from fastapi.testclient import TestClient

from tests.support.factories import SignedIn, held, post, published


def listing(client: TestClient, who: SignedIn, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/me/notifications", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def mark(client: TestClient, who: SignedIn, body: dict[str, Any]) -> httpx2.Response:
    return client.post("/v1/me/notifications/read", json=body, headers=who.headers)


def test_a_reply_tells_the_author_it_answers_but_not_a_self_reply(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    parent = published(client, reader)
    reply = published(client, other_reader, "I read the statement differently.", parent_id=parent)
    published(client, reader, "Fair point, thanks for reading.", parent_id=parent)

    page = listing(client, reader)

    assert [(n["kind"], n["comment_id"], n["read"]) for n in page["items"]] == [
        ("reply", parent, False)
    ]
    assert page["items"][0]["detail"] == {"reply_id": reply}
    assert page["unread"] == 1
    assert listing(client, other_reader)["items"] == []


def test_a_held_reply_tells_the_parents_author_when_it_is_approved(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    parent = published(client, reader)
    reply = post(
        client,
        other_reader,
        "You are a pathetic idiot",
        parent_id=parent,
        acknowledge_toxicity=True,
    ).json()
    assert reply["status"] == "held"
    assert listing(client, reader)["items"] == []

    client.post(f"/v1/admin/comments/{reply['id']}/approve", json={}, headers=moderator.headers)

    assert [n["kind"] for n in listing(client, reader)["items"]] == ["reply"]
    approved = listing(client, other_reader)["items"]
    assert [(n["kind"], n["comment_id"]) for n in approved] == [("comment_approved", reply["id"])]


def test_notifications_are_read_by_id_or_all_and_only_ones_own(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    for _ in range(3):
        client.post(
            f"/v1/admin/comments/{held(client, reader)}/approve", json={}, headers=moderator.headers
        )
    parent = published(client, other_reader)
    published(client, reader, "A reply from the first reader.", parent_id=parent)
    mine = [n["id"] for n in listing(client, reader)["items"]]
    theirs = [n["id"] for n in listing(client, other_reader)["items"]]

    marked = mark(client, reader, {"ids": [mine[0], *theirs]})

    assert marked.status_code == 200, marked.text
    assert marked.json() == {"marked": 1, "unread": 2}
    assert listing(client, other_reader)["unread"] == 1  # theirs untouched
    assert [n["id"] for n in listing(client, reader, unread="true")["items"]] == mine[1:]
    assert client.get("/v1/me/notifications/unread", headers=reader.headers).json() == {"unread": 2}
    assert mark(client, reader, {"all": True}).json() == {"marked": 2, "unread": 0}
    assert listing(client, reader, unread="true")["items"] == []
    assert len(listing(client, reader)["items"]) == 3


def test_notifications_page_newest_first(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    parent = published(client, reader)
    for number in range(5):
        published(client, other_reader, f"Reply number {number} to the article.", parent_id=parent)

    first = listing(client, reader, limit=3)
    second = listing(client, reader, limit=3, cursor=first["next_cursor"])

    ids = [n["id"] for n in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 5
    assert second["next_cursor"] is None


def test_marking_needs_ids_or_all_but_not_both(client: TestClient, reader: SignedIn) -> None:
    bodies: list[dict[str, Any]] = [
        {},
        {"ids": [1], "all": True},
        {"all": False},
        {"ids": []},
        {"ids": ["1"]},
    ]
    for body in bodies:
        refused = mark(client, reader, body)
        assert refused.status_code == 422, body
        assert refused.json()["error"] == "validation_error"


def test_notifications_need_a_signed_in_reader(client: TestClient) -> None:
    assert client.get("/v1/me/notifications").status_code == 401
    assert client.get("/v1/me/notifications/unread").status_code == 401
    assert client.post("/v1/me/notifications/read", json={"all": True}).status_code == 401


def test_a_reply_is_news_once_however_it_comes_to_be_published(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    parent = published(client, reader)
    reply = post(
        client,
        other_reader,
        "You are a pathetic idiot",
        parent_id=parent,
        acknowledge_toxicity=True,
    ).json()["id"]
    decide = f"/v1/admin/comments/{reply}"
    client.post(f"{decide}/reject", json={"reason": "offensive"}, headers=moderator.headers)
    assert listing(client, reader)["items"] == []  # never seen: nothing to tell

    client.post(
        f"{decide}/approve", json={"expected_status": "rejected"}, headers=moderator.headers
    )
    client.post(
        f"{decide}/reject",
        json={"reason": "offensive", "expected_status": "published"},
        headers=moderator.headers,
    )
    client.post(
        f"{decide}/approve", json={"expected_status": "rejected"}, headers=moderator.headers
    )

    assert [n["kind"] for n in listing(client, reader)["items"]] == ["reply"]
