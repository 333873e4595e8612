"""Every restriction writes its author a statement of reasons (DSA Art. 17), whoever decided it:
what was done, the facts, whether automated means found and decided it, the ground and how to
appeal. Holding a comment for review, or an author deleting their own, restricts nothing."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.db import utcnow
from tests.support.factories import CIVIL, SignedIn, held, post, published, report


def statements(client: TestClient, who: SignedIn) -> list[dict[str, Any]]:
    """The author's statements, newest first, read through their notifications."""
    items = client.get("/v1/me/notifications", headers=who.headers).json()["items"]
    shown = []
    for item in items:
        if item["kind"] == "statement":
            url = f"/v1/me/statements/{item['detail']['statement_id']}"
            response = client.get(url, headers=who.headers)
            assert response.status_code == 200, response.text
            shown.append(response.json())
    return shown


def test_a_comment_rejected_for_a_banned_word_gets_an_automated_statement(
    client: TestClient, reader: SignedIn, admin: SignedIn
) -> None:
    client.post("/v1/admin/wordlists/banned", json={"words": ["scumbag"]}, headers=admin.headers)

    rejected = post(client, reader, "The minister is a scumbag").json()

    (statement,) = statements(client, reader)
    assert rejected["statement_id"] == statement["id"]
    assert statement["restriction"] == "comment_rejected"
    assert statement["comment_id"] == rejected["id"]
    assert statement["excerpt"] == "The minister is a scumbag"
    assert (statement["detected_by"], statement["automated_detection"]) == ("word_list", True)
    assert statement["automated_decision"] is True
    assert (statement["ground_kind"], statement["ground"]) == ("guideline", "banned_word")
    assert "banned list" in statement["ground_text"]
    assert "appeal" in statement["redress"]
    assert statement["appeal_path"] == f"/v1/comments/{rejected['id']}/appeals"
    until = datetime.fromisoformat(statement["appealable_until"])
    assert timedelta(days=180) < until - utcnow() < timedelta(days=185)  # six calendar months


def test_the_auto_reject_threshold_is_the_model_deciding(
    client: TestClient, reader: SignedIn, admin: SignedIn
) -> None:
    client.put("/v1/admin/settings", json={"auto_reject_threshold": 0.9}, headers=admin.headers)

    post(
        client, reader, "You are a pathetic idiot and everyone hates you", acknowledge_toxicity=True
    )

    (statement,) = statements(client, reader)
    assert (statement["detected_by"], statement["automated_decision"]) == ("model", True)
    assert "scored it" in statement["facts"]
    assert statement["ground"] == "toxic_auto_rejected"


def test_a_moderator_rejecting_a_held_comment_is_a_person_deciding_what_the_model_found(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = held(client, reader)
    assert statements(client, reader) == []  # held: waiting for a person, nothing restricted yet

    client.post(
        f"/v1/admin/comments/{comment_id}/reject",
        json={"reason": "hate_speech"},
        headers=moderator.headers,
    )

    (statement,) = statements(client, reader)
    assert (statement["detected_by"], statement["automated_detection"]) == ("model", True)
    assert statement["automated_decision"] is False
    assert "a moderator decided" in statement["facts"]
    assert "Community guideline 2" in statement["ground_text"]


def test_a_reported_comment_taken_down_names_the_readers_reports(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    report(client, other_reader, comment_id)

    client.post(
        f"/v1/admin/comments/{comment_id}/reject",
        json={"reason": "spam"},
        headers=moderator.headers,
    )

    (statement,) = statements(client, reader)
    assert (statement["detected_by"], statement["automated_detection"]) == (
        "reader_reports",
        False,
    )
    assert "1 reader reported it" in statement["facts"]


def test_a_moderator_deleting_a_comment_is_a_removal_and_the_author_deleting_is_not(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    removed = published(client, reader)
    own = published(client, reader, "Another view on the trilateral statement.")

    client.delete(f"/v1/comments/{removed}", headers=moderator.headers)
    client.delete(f"/v1/comments/{own}", headers=reader.headers)

    (statement,) = statements(client, reader)
    assert (statement["restriction"], statement["comment_id"]) == ("comment_removed", removed)
    assert statement["detected_by"] == "moderator"


def test_an_edit_the_policy_rejects_is_an_automated_decision(
    client: TestClient, reader: SignedIn, admin: SignedIn
) -> None:
    comment_id = published(client, reader)
    client.post("/v1/admin/wordlists/banned", json={"words": ["scumbag"]}, headers=admin.headers)

    edited = client.patch(
        f"/v1/comments/{comment_id}", json={"body": "Scumbag."}, headers=reader.headers
    )

    assert edited.json()["status"] == "rejected"
    (statement,) = statements(client, reader)
    assert (statement["automated_decision"], statement["detected_by"]) == (True, "word_list")


@pytest.mark.parametrize(
    ("sanction", "body", "restriction"),
    [
        ("ban", {"reason": "spam bot"}, "account_banned"),
        (
            "suspend",
            {"reason": "insults", "until": (utcnow() + timedelta(days=3)).isoformat()},
            "account_suspended",
        ),
        ("premoderate", {"reason": "new account, many reports"}, "account_premoderated"),
    ],
)
def test_every_account_sanction_gets_a_statement_in_the_moderators_words(
    client: TestClient,
    reader: SignedIn,
    moderator: SignedIn,
    sanction: str,
    body: dict[str, str],
    restriction: str,
) -> None:
    response = client.post(
        f"/v1/admin/users/{reader.id}/{sanction}", json=body, headers=moderator.headers
    )
    assert response.status_code == 200, response.text

    (statement,) = statements(client, reader)
    assert statement["restriction"] == restriction
    assert statement["comment_id"] is None
    assert body["reason"] in statement["facts"]
    assert (statement["automated_decision"], statement["detected_by"]) == (False, "moderator")
    assert statement["appeal_path"] == f"/v1/me/sanctions/{statement['id']}/appeals"


def test_a_statement_is_read_by_its_addressee_and_moderators_only(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader, CIVIL)
    client.delete(f"/v1/comments/{comment_id}", headers=moderator.headers)
    (statement,) = statements(client, reader)
    url = f"/v1/me/statements/{statement['id']}"

    assert client.get(url, headers=moderator.headers).status_code == 200
    assert client.get(url, headers=other_reader.headers).status_code == 404
    assert client.get(url).status_code == 401
