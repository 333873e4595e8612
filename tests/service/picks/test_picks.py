"""Editors' picks, the pinned comment and badges: set by moderators (badges by admins), shown to
every reader in every order, audited, undone."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.factories import ARTICLE, SignedIn, audit, held, published


def listed(client: TestClient, who: SignedIn | None = None, **params: Any) -> dict[str, Any]:
    response = client.get(
        f"/v1/articles/{ARTICLE}/comments", params=params, headers=who.headers if who else {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(client: TestClient, **params: Any) -> list[int]:
    return [item["id"] for item in listed(client, **params)["items"]]


def act(client: TestClient, who: SignedIn, method: str, comment_id: int, what: str) -> Any:
    return client.request(method, f"/v1/admin/comments/{comment_id}/{what}", headers=who.headers)


def test_a_moderator_features_a_comment_and_readers_can_list_the_picks(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    pick = published(client, reader, "A careful reading of the port budget.")
    other = published(client, reader, "Another view.")
    assert ids(client) == [other, pick]  # the anonymous page is cached now

    featured = act(client, moderator, "POST", pick, "feature")

    assert featured.status_code == 200, featured.text
    assert featured.json()["featured"] is True
    shown = {item["id"]: item["featured"] for item in listed(client)["items"]}
    assert shown == {pick: True, other: False}
    assert ids(client, featured="true") == [pick]
    assert ids(client, featured="true", sort="best") == [pick]
    again = act(client, moderator, "POST", pick, "feature")
    assert again.status_code == 200
    assert act(client, moderator, "DELETE", pick, "feature").json()["featured"] is False
    assert ids(client, featured="true") == []
    actions = [event["action"] for event in audit(client, moderator, comment_id=pick)]
    assert actions.count("comment_featured") == 1  # featuring it again changed nothing
    assert "comment_unfeatured" in actions


def test_only_a_published_comment_can_be_featured_or_pinned(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    waiting = held(client, reader)
    parent = published(client, reader, "The council vote was close.")
    reply = published(client, other_reader, "It was, by one vote.", parent_id=parent)

    for what in ("feature", "pin"):
        refused = act(client, moderator, "POST", waiting, what)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "invalid_transition"
    pinned_reply = act(client, moderator, "POST", reply, "pin")
    assert pinned_reply.status_code == 409
    assert "reply" in pinned_reply.json()["detail"]
    assert act(client, moderator, "POST", 999_999, "feature").status_code == 404


def test_readers_cannot_feature_pin_or_badge(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment = published(client, other_reader, "A point on the tram line.")

    for method in ("POST", "DELETE"):
        for what in ("feature", "pin"):
            assert act(client, reader, method, comment, what).status_code == 403
    badge = client.put(
        f"/v1/admin/users/{reader.id}/badge", json={"badge": "staff"}, headers=moderator.headers
    )
    assert badge.status_code == 403  # admins only
    assert client.post(f"/v1/admin/comments/{comment}/feature").status_code == 401


def test_the_pinned_comment_leads_the_first_page_of_every_order_once(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    posted = [published(client, reader, f"Point {n} on the harbour.") for n in range(5)]
    assert ids(client, limit=2) == posted[:2:-1][:2]  # cached before the pin

    pinned = act(client, moderator, "POST", posted[1], "pin")

    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["pinned"] is True
    first = listed(client, limit=2)
    assert [item["id"] for item in first["items"]] == [posted[1], posted[4], posted[3]]
    assert [item["pinned"] for item in first["items"]] == [True, False, False]
    rest = listed(client, limit=2, cursor=first["next_cursor"])
    assert [item["id"] for item in rest["items"]] == [posted[2], posted[0]]
    assert ids(client, sort="oldest")[:2] == [posted[1], posted[0]]
    assert ids(client, who=reader)[0] == posted[1]  # signed in: the same
    assert ids(client, featured="true") == []  # a pin is not a pick


def test_pinning_another_replaces_the_pin_and_unpinning_restores_the_order(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    first, second = (published(client, reader, f"Point {n}.") for n in range(2))
    act(client, moderator, "POST", first, "pin")

    replaced = act(client, moderator, "POST", second, "pin")

    assert replaced.status_code == 200
    assert ids(client)[0] == second
    assert ids(client).count(first) == 1
    pins = [
        e for e in audit(client, moderator, comment_id=second) if e["action"] == "comment_pinned"
    ]
    assert pins[0]["detail"] == {"replaced_comment_id": first}
    assert act(client, moderator, "DELETE", first, "pin").json()["pinned"] is False  # not pinned
    assert ids(client)[0] == second
    unpinned = act(client, moderator, "DELETE", second, "pin")
    assert unpinned.json()["pinned"] is False
    assert ids(client) == [second, first]
    actions = [event["action"] for event in audit(client, moderator, comment_id=second)]
    assert "comment_unpinned" in actions


def test_a_pinned_comment_taken_down_no_longer_leads(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    kept = published(client, reader, "A point that stays.")
    pinned = published(client, reader, "A point pinned, then removed.")
    act(client, moderator, "POST", pinned, "pin")

    removed = client.post(
        f"/v1/admin/comments/{pinned}/reject",
        json={"reason": "off_topic", "expected_status": "published"},
        headers=moderator.headers,
    )

    assert removed.status_code == 200, removed.text
    assert ids(client) == [kept]


@pytest.mark.parametrize("badge", ["staff", "journalist"])
def test_an_admin_marks_a_journalist_and_readers_see_the_badge(
    client: TestClient, reader: SignedIn, admin: SignedIn, badge: str
) -> None:
    comment = published(client, reader, "Reporter's note: the figures are from the ministry.")
    assert listed(client)["items"][0]["author"]["badge"] is None  # cached before

    marked = client.put(
        f"/v1/admin/users/{reader.id}/badge", json={"badge": badge}, headers=admin.headers
    )

    assert marked.status_code == 200, marked.text
    assert marked.json() == {"user_id": reader.id, "badge": badge}
    assert listed(client)["items"][0]["author"]["badge"] == badge
    assert listed(client, who=reader)["items"][0]["author"]["badge"] == badge
    detail = client.get(f"/v1/admin/comments/{comment}", headers=admin.headers).json()
    assert detail["author"]["badge"] == badge
    cleared = client.put(
        f"/v1/admin/users/{reader.id}/badge", json={"badge": None}, headers=admin.headers
    )
    assert cleared.json()["badge"] is None
    assert listed(client)["items"][0]["author"]["badge"] is None
    changes = [
        e["detail"]
        for e in audit(client, admin, author_id=reader.id)
        if e["action"] == "user_badge_changed"
    ]
    assert {"from": None, "to": badge} in changes


def test_an_unknown_badge_or_account_is_refused_clearly(
    client: TestClient, reader: SignedIn, admin: SignedIn
) -> None:
    unknown = client.put(
        f"/v1/admin/users/{reader.id}/badge", json={"badge": "editor"}, headers=admin.headers
    )
    nobody = client.put(
        "/v1/admin/users/999999/badge", json={"badge": "staff"}, headers=admin.headers
    )

    assert unknown.status_code == 422
    assert unknown.json()["error"] == "validation_error"
    assert nobody.status_code == 404
