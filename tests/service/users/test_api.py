"""Sanctions through the admin API: suspend, ban, pre-moderate, lift, and who may sanction whom."""

from datetime import timedelta

from fastapi.testclient import TestClient

from service.core.db import utcnow
from tests.support.factories import CIVIL, SignedIn, held, post, published


def test_a_suspended_reader_is_refused_with_the_end_date(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    until = (utcnow() + timedelta(days=3)).replace(microsecond=0)

    response = client.post(
        f"/v1/admin/users/{reader.id}/suspend",
        json={"until": until.isoformat(), "reason": "repeated insults"},
        headers=moderator.headers,
    )
    refused = post(client, reader, CIVIL)

    assert response.json()["status"] == "suspended"
    assert (refused.status_code, refused.json()["error"]) == (403, "user_suspended")
    assert refused.json()["until"] == until.isoformat()

    lifted = client.delete(f"/v1/admin/users/{reader.id}/suspend", headers=moderator.headers)
    assert lifted.json()["status"] == "active"
    assert post(client, reader, CIVIL).status_code == 201


def test_ban_and_premoderation_and_the_users_history(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    published(client, reader)
    users = f"/v1/admin/users/{reader.id}"

    client.post(f"{users}/premoderate", headers=moderator.headers)
    assert post(client, reader, "Second").json()["status_reason"] == "premoderated_user"
    client.post(f"{users}/ban", json={"reason": "spam bot"}, headers=moderator.headers)
    banned = post(client, reader, "Third")
    assert (banned.status_code, banned.json()["error"]) == (403, "user_banned")

    detail = client.get(users, headers=moderator.headers).json()
    assert detail["status"] == "banned"
    assert detail["premoderated"] is True
    assert detail["comment_counts"] == {"published": 1, "held": 1}
    assert [s["action"] for s in detail["sanctions"]] == ["user_premoderate", "user_ban"]
    assert detail["sanctions"][1]["reason"] == "spam bot"


def test_sanction_authority(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    on_admin = client.post(
        f"/v1/admin/users/{admin.id}/ban", json={"reason": "x"}, headers=moderator.headers
    )
    on_self = client.post(
        f"/v1/admin/users/{moderator.id}/ban", json={"reason": "x"}, headers=moderator.headers
    )
    past = client.post(
        f"/v1/admin/users/{reader.id}/suspend",
        json={"until": "2020-01-01T00:00:00Z", "reason": "x"},
        headers=moderator.headers,
    )
    naive = client.post(
        f"/v1/admin/users/{reader.id}/suspend",
        json={"until": "2099-01-01T00:00:00", "reason": "x"},
        headers=moderator.headers,
    )
    missing = client.post("/v1/admin/users/999/ban", json={"reason": "x"}, headers=admin.headers)

    assert on_admin.status_code == on_self.status_code == 403
    assert (past.status_code, past.json()["error"]) == (422, "invalid_until")
    assert naive.status_code == 422
    assert (missing.status_code, missing.json()["error"]) == (404, "user_not_found")


def test_a_moderator_reads_a_users_comments_in_every_status_with_scores(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    civil = published(client, reader)
    toxic = held(client, reader)
    mine = client.delete(f"/v1/comments/{published(client, reader)}", headers=reader.headers)
    assert mine.status_code == 204

    answer = client.get(f"/v1/admin/users/{reader.id}/comments", headers=moderator.headers)
    items = answer.json()["items"]
    assert [(i["id"], i["status"]) for i in items] == [(toxic, "held"), (civil, "published")]
    assert items[0]["scores"]["toxicity"] >= 0.8  # what moderators see, not readers

    first = client.get(
        f"/v1/admin/users/{reader.id}/comments", params={"limit": 1}, headers=moderator.headers
    ).json()
    rest = client.get(
        f"/v1/admin/users/{reader.id}/comments",
        params={"limit": 1, "cursor": first["next_cursor"]},
        headers=moderator.headers,
    ).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == [toxic, civil]


def test_a_users_comments_are_for_moderators_about_users_that_exist(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    assert (
        client.get(f"/v1/admin/users/{reader.id}/comments", headers=reader.headers).status_code
        == 403
    )
    missing = client.get("/v1/admin/users/999999/comments", headers=moderator.headers)
    assert (missing.status_code, missing.json()["error"]) == (404, "user_not_found")
