"""Threads: the article page's comments that start a conversation, and each one's replies on
their own, oldest first, a page at a time."""

from typing import Any

from fastapi.testclient import TestClient

from tests.support.factories import ARTICLE, TOXIC, SignedIn, held, post, published


def replies(client: TestClient, comment_id: int, who: SignedIn | None = None, **params: Any) -> Any:
    return client.get(
        f"/v1/comments/{comment_id}/replies",
        params=params,
        headers=who.headers if who else {},
    )


def test_the_top_level_page_leaves_replies_to_their_own_list(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    first = published(client, reader, "The council vote was close.")
    second = published(client, reader, "The budget is late again.")
    answers = [published(client, other_reader, f"Answer {n}.", parent_id=first) for n in range(3)]

    top = client.get(f"/v1/articles/{ARTICLE}/comments", params={"top_level": "true"}).json()
    everything = client.get(f"/v1/articles/{ARTICLE}/comments").json()

    assert [(c["id"], c["reply_count"]) for c in top["items"]] == [(second, 0), (first, 3)]
    assert len(everything["items"]) == 5  # without top_level: the whole conversation, flat
    one = replies(client, first, limit=2).json()
    rest = replies(client, first, limit=2, cursor=one["next_cursor"]).json()
    assert [c["id"] for c in one["items"]] == answers[:2]
    assert [c["id"] for c in rest["items"]] == answers[2:]
    assert rest["next_cursor"] is None
    assert all(c["parent_id"] == first for c in one["items"] + rest["items"])
    assert replies(client, second).json() == {"items": [], "next_cursor": None}


def test_an_author_sees_their_own_held_reply_in_place_and_nobody_else_does(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    parent = published(client, reader, "A point worth answering.")
    waiting = post(client, other_reader, TOXIC, parent_id=parent, acknowledge_toxicity=True)
    assert waiting.json()["status"] == "held", waiting.text
    shown = published(client, reader, "A published answer.", parent_id=parent)

    theirs = replies(client, parent, other_reader).json()["items"]
    anyone = replies(client, parent).json()["items"]

    assert [(c["id"], c["status"]) for c in theirs] == [
        (waiting.json()["id"], "held"),
        (shown, "published"),
    ]
    assert [c["id"] for c in anyone] == [shown]


def test_muted_authors_replies_are_left_out(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    parent = published(client, reader, "A point worth answering.")
    published(client, other_reader, "A loud answer.", parent_id=parent)
    client.put(f"/v1/me/muted/{other_reader.id}", headers=reader.headers)

    assert replies(client, parent, reader).json()["items"] == []
    assert len(replies(client, parent).json()["items"]) == 1


def test_a_hidden_comment_has_no_replies_to_show_but_a_deleted_one_keeps_them(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    hidden = held(client, reader)
    answered = published(client, reader, "A point I will delete.")
    answer = published(client, other_reader, "An answer that stays.", parent_id=answered)
    deleted = client.delete(f"/v1/comments/{answered}", headers=reader.headers)
    assert deleted.status_code == 204

    assert replies(client, hidden).status_code == 404
    assert replies(client, hidden, other_reader).json()["error"] == "comment_not_found"
    assert replies(client, hidden, reader).status_code == 200  # the author's own
    assert [c["id"] for c in replies(client, answered).json()["items"]] == [answer]
    assert replies(client, 999_999).status_code == 404
