"""Moderators close and pre-moderate articles."""

from fastapi.testclient import TestClient

from tests.support.factories import ARTICLE, CIVIL, SignedIn, audit, post


def test_closing_and_premoderating_an_article(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    url = f"/v1/admin/articles/{ARTICLE}"

    premoderated = client.patch(url, json={"premoderated": True}, headers=moderator.headers)
    assert premoderated.json() == {
        "id": ARTICLE,
        "closed": False,
        "closed_at": None,
        "premoderated": True,
    }
    assert post(client, reader, CIVIL).json()["status_reason"] == "premoderated_article"

    client.patch(url, json={"closed": True}, headers=moderator.headers)
    closed = post(client, reader, CIVIL)
    assert (closed.status_code, closed.json()["error"]) == (409, "article_closed")

    client.patch(url, json={"closed": False}, headers=reader.headers)  # readers cannot reopen
    assert post(client, reader, CIVIL).status_code == 409
    actions = audit(client, moderator, actor_id=moderator.id)
    assert [a["detail"] for a in actions] == [{"closed": True}, {"premoderated": True}]


def test_moderators_read_an_articles_switches_even_before_its_first_comment(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    url = f"/v1/admin/articles/{ARTICLE}"
    fresh = client.get(url, headers=moderator.headers)
    assert fresh.json() == {
        "id": ARTICLE,
        "closed": False,
        "closed_at": None,
        "premoderated": False,
    }

    client.patch(url, json={"closed": True}, headers=moderator.headers)
    closed = client.get(url, headers=moderator.headers).json()
    assert (closed["closed"], closed["closed_at"] is not None) == (True, True)
    assert client.get(url, headers=reader.headers).status_code == 403
