"""A commenter's public page: published comments only, newest first, with totals; hidden at the
reader's wish where the site allows it, never to the reader or to moderators."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.core.settings import PublicHistory, Settings
from tests.service.comments.test_reactions import react
from tests.support.app import wait_for_start_up_sweep
from tests.support.factories import SignedIn, held, published


def page(client: TestClient, user_id: int, who: SignedIn | None = None, **params: Any) -> Any:
    return client.get(
        f"/v1/users/{user_id}/comments", params=params, headers=who.headers if who else {}
    )


def test_the_page_lists_published_comments_newest_first_with_totals(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    first = published(client, reader, "My first point.", article="article-a")
    second = published(client, reader, "My second point.", article="article-b")
    held(client, reader)
    react(client, other_reader, first, "like")
    react(client, other_reader, second, "dislike")

    answer = page(client, reader.id)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["user"] == {"id": reader.id, "display_name": "Min-jun Reader", "badge": None}
    assert body["hidden"] is False
    assert body["totals"] == {"comments": 2, "likes_received": 1}
    assert [c["id"] for c in body["items"]] == [second, first]
    assert {c["article_id"] for c in body["items"]} == {"article-a", "article-b"}
    assert all(c["status_reason"] is None for c in body["items"])
    one = page(client, reader.id, limit=1).json()
    rest = page(client, reader.id, limit=1, cursor=one["next_cursor"]).json()
    assert [c["id"] for c in one["items"] + rest["items"]] == [second, first]


def test_a_reader_hides_their_page_from_others_but_not_from_themselves_or_moderators(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    published(client, reader, "A point I would rather keep to this article.")

    hidden = client.put("/v1/me/history", json={"hidden": True}, headers=reader.headers)

    assert hidden.status_code == 200, hidden.text
    assert hidden.json() == {"hidden": True}
    assert client.get("/v1/me", headers=reader.headers).json()["history_hidden"] is True
    for who in (None, other_reader):
        shown = page(client, reader.id, who).json()
        assert (shown["hidden"], shown["items"], shown["totals"]) == (True, [], None)
    assert len(page(client, reader.id, reader).json()["items"]) == 1
    assert len(page(client, reader.id, moderator).json()["items"]) == 1
    client.put("/v1/me/history", json={"hidden": False}, headers=reader.headers)
    assert len(page(client, reader.id).json()["items"]) == 1


@pytest.fixture
def public_by_policy(settings: Settings, scorer: Any) -> Iterator[TestClient]:
    always = settings.model_copy(update={"public_history": PublicHistory.ALWAYS})
    with TestClient(create_app(always, scorer=scorer)) as client:
        wait_for_start_up_sweep(client)
        yield client


def test_where_the_site_keeps_histories_public_a_reader_cannot_hide_theirs(
    public_by_policy: TestClient, reader: SignedIn
) -> None:
    refused = public_by_policy.put("/v1/me/history", json={"hidden": True}, headers=reader.headers)

    assert refused.status_code == 409
    assert refused.json()["error"] == "history_public_by_policy"


def test_unknown_and_erased_accounts_have_no_page(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    published(client, reader, "A point before leaving.")
    left = client.request(
        "DELETE", "/v1/me", json={"comments": "anonymize"}, headers=reader.headers
    )
    assert left.status_code == 200, left.text

    for user_id in (reader.id, 999_999):
        missing = page(client, user_id, other_reader)
        assert missing.status_code == 404
        assert missing.json()["error"] == "user_not_found"
    bad = client.put("/v1/me/history", json={"hidden": "yes"}, headers=other_reader.headers)
    assert bad.status_code == 422
