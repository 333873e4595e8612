"""Replies, edits (scored again, old text kept, within the window) and an author's own comments."""

import pytest
from fastapi.testclient import TestClient

from tests.support.factories import ARTICLE, CIVIL, TOXIC, SignedIn, held, post, published


def test_replies_are_counted_for_threading(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    parent_id = published(client, reader)
    published(client, other_reader, "I agree.", parent_id=parent_id)
    published(client, other_reader, "Also: sources?", parent_id=parent_id)

    items = client.get(f"/v1/articles/{ARTICLE}/comments").json()["items"]

    parent = next(c for c in items if c["id"] == parent_id)
    assert parent["reply_count"] == 2
    assert {c["parent_id"] for c in items if c["id"] != parent_id} == {parent_id}


def test_no_reply_to_a_rejected_or_deleted_comment(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    rejected_id = published(client, reader)
    client.post(
        f"/v1/admin/comments/{rejected_id}/reject",
        json={"reason": "off_topic", "expected_status": "published"},
        headers=moderator.headers,
    )
    deleted_id = published(client, reader, "Another thought.")
    client.delete(f"/v1/comments/{deleted_id}", headers=reader.headers)

    for parent_id in (rejected_id, deleted_id):
        response = post(client, other_reader, "Reply", parent_id=parent_id)
        assert (response.status_code, response.json()["error"]) == (409, "parent_unavailable")


def test_an_edit_is_scored_again_and_the_old_text_kept(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    url = f"/v1/comments/{comment_id}"

    nudged = client.patch(url, json={"body": TOXIC}, headers=reader.headers)
    assert (nudged.status_code, nudged.json()["error"]) == (422, "toxic_comment")

    edited = client.patch(
        url, json={"body": TOXIC, "acknowledge_toxicity": True}, headers=reader.headers
    )
    assert edited.status_code == 200
    assert (edited.json()["status"], edited.json()["status_reason"]) == ("held", "toxic")
    assert edited.json()["edited_at"] is not None

    fixed = client.patch(
        url, json={"body": "On reflection, a fair report."}, headers=reader.headers
    )
    assert fixed.json()["status"] == "published"

    detail = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers).json()
    assert [(r["body"], r["status"]) for r in detail["revisions"]] == [
        (CIVIL, "published"),
        (TOXIC, "held"),
    ]
    assert [a["action"] for a in detail["actions"]] == ["created", "edited", "edited"]


def test_an_edit_into_korean_is_scored_and_named_by_the_korean_model(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    url = f"/v1/comments/{comment_id}"
    english_model = client.get(url.replace("/v1/", "/v1/admin/"), headers=moderator.headers)

    client.patch(
        url, json={"body": "닥쳐 병신아", "acknowledge_toxicity": True}, headers=reader.headers
    )
    korean_model = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers)

    assert english_model.json()["model_id"].startswith("english-ngrams-")
    assert korean_model.json()["model_id"].startswith("korean-char-ngrams-")
    assert korean_model.json()["status"] == "held"


def test_only_the_author_edits_and_only_while_allowed(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    url = f"/v1/comments/{comment_id}"

    other = client.patch(url, json={"body": "hijack"}, headers=other_reader.headers)
    assert (other.status_code, other.json()["error"]) == (403, "forbidden")

    client.post(
        f"/v1/admin/comments/{comment_id}/reject",
        json={"reason": "spam", "expected_status": "published"},
        headers=moderator.headers,
    )
    rejected = client.patch(url, json={"body": "let me fix it"}, headers=reader.headers)
    assert (rejected.status_code, rejected.json()["error"]) == (409, "invalid_transition")


class TestEditWindow:
    @pytest.fixture
    def settings(self, settings):  # type: ignore[no-untyped-def]
        return settings.model_copy(update={"edit_window": 0})

    def test_after_the_window_an_edit_is_refused(
        self, client: TestClient, reader: SignedIn
    ) -> None:
        comment_id = published(client, reader)

        response = client.patch(
            f"/v1/comments/{comment_id}", json={"body": "later"}, headers=reader.headers
        )

        assert (response.status_code, response.json()["error"]) == (409, "edit_window_closed")


def test_authors_see_their_held_and_rejected_comments_with_the_reason(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    published(client, reader)
    held_id = held(client, reader)
    rejected_id = published(client, reader, "Buy cheap watches at my shop")
    client.post(
        f"/v1/admin/comments/{rejected_id}/reject",
        json={"reason": "spam", "expected_status": "published"},
        headers=moderator.headers,
    )

    mine = client.get("/v1/me/comments", headers=reader.headers).json()["items"]
    on_article = client.get(f"/v1/articles/{ARTICLE}/comments", headers=reader.headers).json()
    as_other = client.get(f"/v1/articles/{ARTICLE}/comments", headers=other_reader.headers).json()

    assert [(c["status"], c["status_reason"]) for c in mine] == [
        ("rejected", "spam"),
        ("held", "toxic"),
        ("published", None),
    ]
    assert {c["id"] for c in on_article["items"]} >= {held_id, rejected_id}
    assert {c["id"] for c in as_other["items"]}.isdisjoint({held_id, rejected_id})
