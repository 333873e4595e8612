"""Appeals through the API: against a rejected or removed comment and against a sanction, one
open per decision, within six months, decided by someone else; reversing restores the comment
(counted and shown again) or lifts the sanction, and the appellant is told."""

from datetime import timedelta
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, update

from auth.models import Role, User, UserStatus
from service.core.db import Database, utcnow
from service.statements.models import StatementOfReasons
from tests.support.factories import ARTICLE, CIVIL, SignedIn, audit, published, sign_in

WHY = "It criticises the policy, not a person; nothing in it is abusive."


def reject(client: TestClient, moderator: SignedIn, comment_id: int) -> None:
    response = client.post(
        f"/v1/admin/comments/{comment_id}/reject",
        json={"reason": "offensive", "expected_status": "published"},
        headers=moderator.headers,
    )
    assert response.status_code == 200, response.text


def appeal(client: TestClient, who: SignedIn, comment_id: int) -> httpx2.Response:
    return client.post(
        f"/v1/comments/{comment_id}/appeals", json={"explanation": WHY}, headers=who.headers
    )


def decide(
    client: TestClient, who: SignedIn, appeal_id: int, outcome: str = "reversed"
) -> httpx2.Response:
    return client.post(
        f"/v1/admin/appeals/{appeal_id}/decision",
        json={"outcome": outcome, "explanation": "On a second reading the comment is fair."},
        headers=who.headers,
    )


def published_count(client: TestClient) -> int:
    count: int = client.get(f"/v1/articles/{ARTICLE}/comments/count").json()["count"]
    return count


def latest_notification(client: TestClient, who: SignedIn) -> dict[str, Any]:
    items: list[dict[str, Any]] = client.get("/v1/me/notifications", headers=who.headers).json()[
        "items"
    ]
    return items[0]


def test_a_reversed_appeal_publishes_the_comment_again(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    comment_id = published(client, reader)
    assert published_count(client) == 1  # read now, so the cache has to learn of the change
    reject(client, moderator, comment_id)
    assert published_count(client) == 0

    opened = appeal(client, reader, comment_id)

    assert opened.status_code == 201, opened.text
    assert opened.json()["status"] == "open"
    queue = client.get("/v1/admin/appeals", headers=admin.headers).json()["items"]
    assert [a["id"] for a in queue] == [opened.json()["id"]]
    assert queue[0]["statement"]["restriction"] == "comment_rejected"
    assert queue[0]["statement"]["ground"] == "offensive"

    reversed_ = decide(client, admin, opened.json()["id"])

    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["status"] == "reversed"
    assert published_count(client) == 1
    items = client.get(f"/v1/articles/{ARTICLE}/comments").json()["items"]
    assert [(c["id"], c["status"]) for c in items] == [(comment_id, "published")]
    told = latest_notification(client, reader)
    assert (told["kind"], told["detail"]["appeal_id"]) == ("appeal_decided", opened.json()["id"])
    assert "reversed" in told["message"]
    actions = [a["action"] for a in audit(client, admin, comment_id=comment_id)]
    assert {"appeal_received", "appeal_decided"} <= set(actions)
    assert actions[1] == "status_change"  # published again, by the admin
    assert client.get("/v1/admin/appeals", headers=admin.headers).json()["items"] == []


def test_the_moderator_who_decided_cannot_decide_the_appeal(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    comment_id = published(client, reader)
    reject(client, moderator, comment_id)
    appeal_id = appeal(client, reader, comment_id).json()["id"]

    refused = decide(client, moderator, appeal_id)
    upheld = decide(client, admin, appeal_id, "upheld")

    assert refused.status_code == 403
    assert refused.json()["error"] == "same_decider"
    assert upheld.json()["status"] == "upheld"
    assert published_count(client) == 0
    assert "upheld" in latest_notification(client, reader)["message"]
    assert decide(client, admin, appeal_id).json()["error"] == "appeal_decided"


def test_one_appeal_per_decision(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    comment_id = published(client, reader)
    reject(client, moderator, comment_id)

    first = appeal(client, reader, comment_id)
    second = appeal(client, reader, comment_id)

    assert first.status_code == 201
    assert (second.status_code, second.json()["error"]) == (409, "appeal_exists")
    decide(client, admin, first.json()["id"], "upheld")
    after = appeal(client, reader, comment_id)  # an upheld decision is not appealed forever
    assert (after.status_code, after.json()["error"]) == (409, "appeal_exists")


def test_a_comment_its_author_deleted_has_nothing_to_appeal(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    reject(client, moderator, comment_id)
    client.delete(f"/v1/comments/{comment_id}", headers=reader.headers)

    assert appeal(client, reader, comment_id).json()["error"] == "nothing_to_appeal"


def test_appeals_close_six_months_after_the_statement(
    client: TestClient, database: Database, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    reject(client, moderator, comment_id)
    with database.session(writes=True) as session:
        session.execute(
            update(StatementOfReasons)
            .where(col(StatementOfReasons.comment_id) == comment_id)
            .values(appealable_until=utcnow() - timedelta(seconds=1))
        )

    late = appeal(client, reader, comment_id)

    assert (late.status_code, late.json()["error"]) == (409, "appeal_window_closed")


def test_only_the_author_appeals_and_only_a_restricted_comment(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)

    assert appeal(client, reader, comment_id).json()["error"] == "nothing_to_appeal"
    reject(client, moderator, comment_id)
    assert appeal(client, other_reader, comment_id).json()["error"] == "comment_not_found"
    assert appeal(client, reader, 999_999).status_code == 404


def test_a_comment_under_a_temporary_measure_is_objected_to_not_appealed(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    comment_id = published(client, reader)
    client.post(
        f"/v1/comments/{comment_id}/notices",
        json={
            "kind": "rights_infringement",
            "explanation": "It publishes my home address for everyone to read.",
            "notifier_name": "Park Ji-ho",
            "notifier_email": "jiho@example.kr",
            "good_faith": True,
        },
        headers=other_reader.headers,  # a signed-in notifier's notice starts the measure
    )

    refused = appeal(client, reader, comment_id)

    assert (refused.status_code, refused.json()["error"]) == (409, "object_instead")
    assert "/objections" in refused.json()["detail"]


def test_a_removal_by_a_moderator_can_be_appealed_and_reversed(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    comment_id = published(client, reader)
    assert client.delete(f"/v1/comments/{comment_id}", headers=moderator.headers).status_code == 204

    opened = appeal(client, reader, comment_id)
    assert opened.status_code == 201, opened.text
    assert decide(client, admin, opened.json()["id"]).status_code == 200
    assert published_count(client) == 1


def test_a_restored_comment_cannot_be_restored_twice(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    comment_id = published(client, reader)
    reject(client, moderator, comment_id)
    appeal_id = appeal(client, reader, comment_id).json()["id"]
    approved = client.post(
        f"/v1/admin/comments/{comment_id}/approve",
        json={"expected_status": "rejected"},
        headers=moderator.headers,
    )
    assert approved.status_code == 200

    late = decide(client, admin, appeal_id)

    assert (late.status_code, late.json()["error"]) == (409, "restriction_changed")


def suspend(client: TestClient, moderator: SignedIn, user: SignedIn) -> None:
    until = (utcnow() + timedelta(days=7)).isoformat()
    response = client.post(
        f"/v1/admin/users/{user.id}/suspend",
        json={"until": until, "reason": "repeated insults under the election coverage"},
        headers=moderator.headers,
    )
    assert response.status_code == 200, response.text


def test_a_reversed_sanction_appeal_lifts_the_suspension(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    suspend(client, moderator, reader)
    statement = latest_notification(client, reader)
    assert statement["kind"] == "statement"
    statement_id = statement["detail"]["statement_id"]
    shown = client.get(f"/v1/me/statements/{statement_id}", headers=reader.headers).json()
    assert shown["restriction"] == "account_suspended"
    assert shown["appeal_path"] == f"/v1/me/sanctions/{statement_id}/appeals"

    opened = client.post(shown["appeal_path"], json={"explanation": WHY}, headers=reader.headers)

    assert opened.status_code == 201, opened.text
    assert (
        client.post(
            f"/v1/articles/{ARTICLE}/comments", json={"body": CIVIL}, headers=reader.headers
        ).json()["error"]
        == "user_suspended"
    )
    assert decide(client, moderator, opened.json()["id"]).json()["error"] == "same_decider"
    assert decide(client, admin, opened.json()["id"]).status_code == 200
    assert published(client, reader)  # commenting again
    actions = [a["action"] for a in audit(client, admin, author_id=reader.id)]
    assert "user_suspend_lifted" in actions


def test_a_sanction_is_appealed_only_by_its_user(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    suspend(client, moderator, reader)
    statement_id = latest_notification(client, reader)["detail"]["statement_id"]

    stranger = client.post(
        f"/v1/me/sanctions/{statement_id}/appeals",
        json={"explanation": WHY},
        headers=other_reader.headers,
    )

    assert (stranger.status_code, stranger.json()["error"]) == (404, "statement_not_found")
    assert (
        client.get(f"/v1/me/statements/{statement_id}", headers=other_reader.headers).status_code
        == 404
    )


def test_nobody_decides_their_own_appeal(
    client: TestClient, engine: Engine, admin: SignedIn
) -> None:
    moderator = sign_in(engine, "Moderator Kang", Role.MODERATOR)
    suspend(client, admin, moderator)
    statement_id = latest_notification(client, moderator)["detail"]["statement_id"]
    opened = client.post(
        f"/v1/me/sanctions/{statement_id}/appeals",
        json={"explanation": WHY},
        headers=moderator.headers,
    )
    assert opened.status_code == 201, opened.text
    with Session(engine) as session:
        user = session.get(User, moderator.id)
        assert user is not None
        user.status = UserStatus.ACTIVE  # back at work, not yet reviewed
        session.add(user)
        session.commit()

    own = decide(client, moderator, opened.json()["id"])

    assert (own.status_code, own.json()["error"]) == (403, "same_decider")


def test_appeal_routes_are_guarded(client: TestClient, reader: SignedIn) -> None:
    assert client.post("/v1/comments/1/appeals", json={"explanation": WHY}).status_code == 401
    assert client.get("/v1/admin/appeals", headers=reader.headers).status_code == 403
    assert decide(client, reader, 1).status_code == 403


def test_reversing_an_old_ban_does_not_lift_a_newer_one(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    url = f"/v1/admin/users/{reader.id}/ban"
    client.post(url, json={"reason": "spam links"}, headers=moderator.headers)
    old_statement = latest_notification(client, reader)["detail"]["statement_id"]
    opened = client.post(
        f"/v1/me/sanctions/{old_statement}/appeals",
        json={"explanation": WHY},
        headers=reader.headers,
    ).json()
    client.request("DELETE", url, json={"reason": "second chance"}, headers=moderator.headers)
    client.post(url, json={"reason": "spam links again"}, headers=moderator.headers)

    late = decide(client, admin, opened["id"])

    assert (late.status_code, late.json()["error"]) == (409, "restriction_changed")
    detail = client.get(f"/v1/admin/users/{reader.id}", headers=admin.headers).json()
    assert detail["status"] == "banned"


def test_a_lifted_sanction_has_nothing_to_appeal(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    url = f"/v1/admin/users/{reader.id}/premoderate"
    client.post(url, json={"reason": "many reports"}, headers=moderator.headers)
    statement_id = latest_notification(client, reader)["detail"]["statement_id"]
    client.request("DELETE", url, json={"reason": "reviewed"}, headers=moderator.headers)

    late = client.post(
        f"/v1/me/sanctions/{statement_id}/appeals",
        json={"explanation": WHY},
        headers=reader.headers,
    )

    assert (late.status_code, late.json()["error"]) == (409, "nothing_to_appeal")
