"""Hidden comments (held, rejected, deleted) answer anyone who may not see them exactly as a
missing id does, so nobody can probe for them."""

from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from tests.support.factories import ARTICLE, SignedIn, held, post, published

MISSING = 999_999


def shape(response: httpx2.Response, comment_id: int) -> tuple[int, Any]:
    """Status and body, with the id taken out of the message."""
    body = response.json()
    body["detail"] = body["detail"].replace(str(comment_id), "{id}")
    return response.status_code, body


def test_a_reply_to_a_hidden_comment_reads_like_one_to_no_comment(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    hidden = held(client, reader)

    to_hidden = post(client, other_reader, "Reply", parent_id=hidden)
    to_nothing = post(client, other_reader, "Reply", parent_id=MISSING)

    assert shape(to_hidden, hidden) == shape(to_nothing, MISSING)
    assert to_hidden.json()["error"] == "parent_unavailable"


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_changing_a_hidden_comment_reads_like_changing_no_comment(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, method: str
) -> None:
    hidden = held(client, reader)

    def attempt(comment_id: int) -> httpx2.Response:
        return client.request(
            method, f"/v1/comments/{comment_id}", json={"body": "x"}, headers=other_reader.headers
        )

    assert shape(attempt(hidden), hidden) == shape(attempt(MISSING), MISSING)
    assert attempt(hidden).json()["error"] == "comment_not_found"


def test_a_published_comment_of_someone_else_is_forbidden_not_missing(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    visible = published(client, reader)

    response = client.patch(
        f"/v1/comments/{visible}", json={"body": "hijack"}, headers=other_reader.headers
    )

    assert (response.status_code, response.json()["error"]) == (403, "forbidden")


def test_a_deleted_comment_is_gone_for_its_author_too(client: TestClient, reader: SignedIn) -> None:
    comment_id = published(client, reader)
    client.delete(f"/v1/comments/{comment_id}", headers=reader.headers)

    edit = client.patch(f"/v1/comments/{comment_id}", json={"body": "x"}, headers=reader.headers)

    assert (edit.status_code, edit.json()["error"]) == (404, "comment_not_found")


def test_a_reply_does_not_point_at_a_parent_that_is_hidden(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    parent = published(client, reader)
    reply = published(client, other_reader, "I disagree.", parent_id=parent)
    client.post(
        f"/v1/admin/comments/{parent}/reject",
        json={"reason": "offensive", "expected_status": "published"},
        headers=moderator.headers,
    )

    def parent_of_reply(headers: dict[str, str]) -> object:
        items = client.get(f"/v1/articles/{ARTICLE}/comments", headers=headers).json()["items"]
        return next(c["parent_id"] for c in items if c["id"] == reply)

    assert parent_of_reply({}) is None  # strangers cannot learn the rejected comment's id
    assert parent_of_reply(other_reader.headers) is None
    assert parent_of_reply(reader.headers) == parent  # its author still sees it, rejected
    mine = client.get("/v1/me/comments", headers=other_reader.headers).json()["items"]
    assert [c["parent_id"] for c in mine if c["id"] == reply] == [None]
