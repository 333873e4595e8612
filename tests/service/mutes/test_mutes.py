"""Muting: a reader leaves another's comments and replies out of what they are served, in every
order, without changing what anyone else is served; undone, listed, bounded, exported, and
gone when the reader leaves."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.mutes import service as mutes
from tests.support.factories import ARTICLE, SignedIn, published, sign_in


def ids(client: TestClient, who: SignedIn | None = None, **params: Any) -> list[int]:
    response = client.get(
        f"/v1/articles/{ARTICLE}/comments", params=params, headers=who.headers if who else {}
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def mute(client: TestClient, who: SignedIn, user_id: int) -> Any:
    return client.put(f"/v1/me/muted/{user_id}", headers=who.headers)


@pytest.fixture
def troll(engine: Any) -> SignedIn:
    return sign_in(engine, "Loud Commenter")


def test_a_muted_readers_comments_and_replies_are_left_out_for_the_muter_only(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    troll: SignedIn,
    moderator: SignedIn,
) -> None:
    kept = published(client, other_reader, "A calm point on the budget.")
    loud = published(client, troll, "A loud point on the budget.")
    loud_reply = published(client, troll, "And a loud reply.", parent_id=kept)
    everything = [loud_reply, loud, kept]
    assert ids(client, reader) == everything

    muted = mute(client, reader, troll.id)

    assert muted.status_code == 200, muted.text
    assert muted.json()["user_id"] == troll.id
    assert muted.json()["display_name"] == "Loud Commenter"
    for sort in ("newest", "oldest", "best", "replies"):
        assert ids(client, reader, sort=sort) == [kept]
    assert ids(client) == everything  # the anonymous page is the same for everyone
    assert ids(client, other_reader) == everything
    assert ids(client, troll) == everything  # the muted reader is not told
    pinned = client.post(f"/v1/admin/comments/{loud}/pin", headers=moderator.headers)
    assert pinned.status_code == 200
    assert ids(client, reader) == [kept]  # not even pinned
    listed = client.get("/v1/me/muted", headers=reader.headers).json()["items"]
    assert [m["user_id"] for m in listed] == [troll.id]

    assert mute(client, reader, troll.id).status_code == 200  # again: nothing changes
    undone = client.delete(f"/v1/me/muted/{troll.id}", headers=reader.headers)

    assert undone.status_code == 204
    assert ids(client, reader) == [loud, loud_reply, kept]
    assert client.get("/v1/me/muted", headers=reader.headers).json()["items"] == []
    assert client.delete(f"/v1/me/muted/{troll.id}", headers=reader.headers).status_code == 204


def test_paging_past_muted_comments_keeps_the_page_full(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, troll: SignedIn
) -> None:
    calm = [published(client, other_reader, f"Calm point {n}.") for n in range(3)]
    for n in range(4):
        published(client, troll, f"Loud point {n}.")
    mute(client, reader, troll.id)

    first = client.get(
        f"/v1/articles/{ARTICLE}/comments", params={"limit": 2}, headers=reader.headers
    ).json()
    rest = client.get(
        f"/v1/articles/{ARTICLE}/comments",
        params={"limit": 2, "cursor": first["next_cursor"]},
        headers=reader.headers,
    ).json()

    assert [c["id"] for c in first["items"]] == calm[:0:-1]
    assert [c["id"] for c in rest["items"]] == [calm[0]]
    assert rest["next_cursor"] is None


def test_muting_is_refused_clearly(
    client: TestClient, reader: SignedIn, troll: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    myself = mute(client, reader, reader.id)
    nobody = mute(client, reader, 999_999)
    anonymous = client.put(f"/v1/me/muted/{troll.id}")
    monkeypatch.setattr(mutes, "MAX_MUTES", 1)
    mute(client, reader, troll.id)
    another = client.post("/v1/me/muted", headers=reader.headers)
    extra = sign_in(client.app.state.database.engine, "One Too Many")  # type: ignore[attr-defined]
    over = mute(client, reader, extra.id)

    assert (myself.status_code, myself.json()["error"]) == (422, "cannot_mute_self")
    assert (nobody.status_code, nobody.json()["error"]) == (404, "user_not_found")
    assert anonymous.status_code == 401
    assert another.status_code == 405
    assert (over.status_code, over.json()["error"]) == (409, "mute_limit_reached")


def test_a_reader_who_leaves_takes_their_mutes_with_them(
    client: TestClient, reader: SignedIn, troll: SignedIn, other_reader: SignedIn
) -> None:
    mute(client, reader, troll.id)
    mute(client, other_reader, reader.id)

    left = client.request("DELETE", "/v1/me", json={"comments": "delete"}, headers=reader.headers)

    assert left.status_code == 200, left.text
    listed = client.get("/v1/me/muted", headers=other_reader.headers).json()["items"]
    assert [m["user_id"] for m in listed] == [reader.id]  # the other reader's choice stays
    with client.app.state.database.session() as session:  # type: ignore[attr-defined]
        assert mutes.muted_ids(session, reader.id) == []
