"""Legal notices and Korea's temporary measure, through the API: filing, following by reference,
the block and its whole life (objection, the end of the period both ways, a moderator's
decision), the notices queue, and what the author and the notifier are told."""

import time
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select, update

from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.core.db import Database, utcnow
from service.core.settings import Settings
from service.notices.models import Notice
from service.notices.service import end_measures
from service.webhooks.models import WebhookEvent
from tests.support.factories import ARTICLE, SignedIn, audit, post, published

EXPLANATION = "This comment names me and says I took bribes, which is false and ruins my name."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A measure's life is the same whoever started it: here anyone's rights notice starts one
    (who may, by default only signed-in notifiers, is tested in test_who_starts_a_measure.py)."""
    return settings.model_copy(update={"temporary_measure_notifiers": "anyone"})


def notice(
    client: TestClient,
    comment_id: int,
    kind: str = "rights_infringement",
    who: SignedIn | None = None,
    **fields: Any,
) -> httpx2.Response:
    body = {
        "kind": kind,
        "explanation": EXPLANATION,
        "legal_ground": "Criminal Act Art. 307 (defamation)",
        "notifier_name": "Kim Min-seo",
        "notifier_email": "minseo@example.kr",
        "good_faith": True,
        **fields,
    }
    headers = who.headers if who is not None else {}
    return client.post(f"/v1/comments/{comment_id}/notices", json=body, headers=headers)


def article_ids(client: TestClient, who: SignedIn | None = None) -> list[int]:
    headers = who.headers if who is not None else {}
    response = client.get(f"/v1/articles/{ARTICLE}/comments", headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def own_comment(client: TestClient, author: SignedIn, comment_id: int) -> dict[str, Any]:
    """The comment as its author sees it (in "my comments")."""
    response = client.get("/v1/me/comments", headers=author.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = [
        item for item in response.json()["items"] if item["id"] == comment_id
    ]
    assert len(found) == 1
    return found[0]


def notifications(client: TestClient, who: SignedIn) -> list[dict[str, Any]]:
    response = client.get("/v1/me/notifications", headers=who.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def decide(client: TestClient, moderator: SignedIn, reference: str, action: str) -> httpx2.Response:
    return client.post(
        f"/v1/admin/notices/{reference}/decision",
        json={
            "action": action,
            "ground": "Criminal Act Art. 307 (defamation)",
            "explanation": "The claim of bribery is unsupported and names a private person.",
        },
        headers=moderator.headers,
    )


def end_of_period(database: Database, *, days: int = 31) -> int:
    with database.session(writes=True) as session:
        return end_measures(session, now=utcnow() + timedelta(days=days))


def test_a_rights_notice_hides_the_comment_at_once_from_everyone_but_its_author(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)

    filed = notice(client, comment_id)

    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["status"] == "received"
    assert body["reference"].startswith("N-")
    ends = body["measure"]["ends_at"]
    assert ends[:10] == (utcnow() + timedelta(days=30)).date().isoformat()
    assert comment_id not in article_ids(client)
    assert comment_id not in article_ids(client, other_reader)
    assert comment_id in article_ids(client, reader)
    count = client.get(f"/v1/articles/{ARTICLE}/comments/count").json()["count"]
    assert count == 0
    own = own_comment(client, reader, comment_id)
    assert (own["status"], own["status_reason"]) == ("blocked", "temporary_measure")
    assert own["statement_id"] is not None
    # the author is told why, and how to object
    (told,) = notifications(client, reader)
    assert told["kind"] == "statement"
    statement = client.get(
        f"/v1/me/statements/{told['detail']['statement_id']}", headers=reader.headers
    ).json()
    assert statement["restriction"] == "comment_blocked"
    assert statement["ground_kind"] == "law"
    assert "Criminal Act Art. 307" in statement["ground_text"]
    assert statement["automated_decision"] is True
    assert statement["appeal_path"] == f"/v1/comments/{comment_id}/objections"
    # a moderator cannot approve it around the notice
    approve = client.post(
        f"/v1/admin/comments/{comment_id}/approve",
        json={"expected_status": "blocked"},
        headers=moderator.headers,
    )
    assert approve.status_code == 409


def test_anyone_follows_a_notice_by_its_reference_and_nobody_guesses_one(
    client: TestClient, reader: SignedIn
) -> None:
    comment_id = published(client, reader)
    reference = notice(client, comment_id, kind="illegal_content").json()["reference"]

    followed = client.get(f"/v1/notices/{reference}")

    assert followed.status_code == 200
    assert followed.json()["status"] == "received"
    assert followed.json()["measure"] is None
    assert "notifier_email" not in followed.json()
    assert client.get("/v1/notices/N-nope0000000000000000").status_code == 404
    assert client.get("/v1/notices/..%2F..%2Fadmin").status_code in (404, 422)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"good_faith": False}, "good_faith", "validation_error"),
        ({"explanation": "too short"}, "explanation", "validation_error"),
        ({"notifier_email": "not an address"}, "notifier_email", "invalid_email"),
        ({"notifier_name": ""}, "notifier_name", "validation_error"),
        ({"kind": "dislike"}, "kind", "validation_error"),
    ],
)
def test_an_incomplete_notice_is_refused_naming_the_field(
    client: TestClient, reader: SignedIn, change: dict[str, Any], field: str, code: str
) -> None:
    comment_id = published(client, reader)

    refused = notice(client, comment_id, **change)

    assert refused.status_code == 422
    assert refused.json()["error"] == code
    assert field in refused.json()["detail"]
    assert comment_id in article_ids(client)


def test_a_notice_missing_a_field_is_refused(client: TestClient, reader: SignedIn) -> None:
    comment_id = published(client, reader)
    body = {"kind": "illegal_content", "explanation": EXPLANATION, "good_faith": True}

    refused = client.post(f"/v1/comments/{comment_id}/notices", json=body)

    assert refused.status_code == 422
    assert "notifier_name" in refused.json()["detail"]


def test_a_hidden_comment_cannot_be_noticed_and_an_unknown_one_is_not_found(
    client: TestClient, reader: SignedIn
) -> None:
    held_id = post(client, reader, "You are a pathetic idiot", acknowledge_toxicity=True).json()
    assert notice(client, held_id["id"]).json()["error"] == "comment_not_found"
    assert notice(client, 999_999).status_code == 404


def test_notices_are_rate_limited_per_address(
    settings: Settings, scorer: Scorer, reader: SignedIn
) -> None:
    limited = settings.model_copy(update={"notice_rate_limits": "2/minute"})
    with TestClient(create_app(limited, scorer=scorer)) as client:
        comment_id = published(client, reader)
        codes = [notice(client, comment_id, kind="illegal_content").status_code for _ in range(3)]
    assert codes == [201, 201, 429]


def test_without_an_objection_the_comment_is_removed_when_the_period_ends(
    client: TestClient, database: Database, reader: SignedIn, other_reader: SignedIn
) -> None:
    comment_id = published(client, reader)
    reference = notice(client, comment_id, who=other_reader).json()["reference"]

    assert end_of_period(database, days=29) == 0
    assert end_of_period(database) == 1
    assert end_of_period(database) == 0  # once

    own = own_comment(client, reader, comment_id)
    assert (own["status"], own["status_reason"]) == ("rejected", "temporary_measure_expired")
    followed = client.get(f"/v1/notices/{reference}").json()
    assert followed["status"] == "decided"
    assert followed["decision"]["action"] == "remove"
    assert followed["decision"]["automated"] is True
    assert followed["redress"]
    statement = client.get(
        f"/v1/me/statements/{own['statement_id']}", headers=reader.headers
    ).json()
    assert statement["restriction"] == "comment_removed"
    assert statement["ground"] == "temporary_measure_expired"
    assert statement["appeal_path"] == f"/v1/comments/{comment_id}/appeals"
    assert [n["kind"] for n in notifications(client, other_reader)] == ["notice_update"]
    assert reference in notifications(client, other_reader)[0]["message"]


def test_an_objection_sends_the_comment_to_the_moderators_as_overdue(
    client: TestClient,
    database: Database,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
) -> None:
    comment_id = published(client, reader)
    reference = notice(client, comment_id, who=other_reader).json()["reference"]
    objection = {"explanation": "It is a quote from the court record of the public trial."}

    assert (
        client.post(
            f"/v1/comments/{comment_id}/objections", json=objection, headers=other_reader.headers
        ).status_code
        == 404
    )
    objected = client.post(
        f"/v1/comments/{comment_id}/objections", json=objection, headers=reader.headers
    )
    again = client.post(
        f"/v1/comments/{comment_id}/objections", json=objection, headers=reader.headers
    )

    assert objected.status_code == 201, objected.text
    assert objected.json()[0]["measure"]["objected"] is True
    assert again.json()["error"] == "already_objected"
    assert "objected" in notifications(client, other_reader)[0]["message"]
    assert end_of_period(database) == 1
    own = own_comment(client, reader, comment_id)
    assert own["status"] == "blocked"  # still hidden: a person decides
    overdue = client.get(
        "/v1/admin/notices", params={"status": "overdue"}, headers=moderator.headers
    ).json()["items"]
    assert [(n["reference"], n["measure"]["overdue"]) for n in overdue] == [(reference, True)]
    assert overdue[0]["objection"] == objection["explanation"]
    assert overdue[0]["comment"]["id"] == comment_id
    assert end_of_period(database) == 0

    restored = decide(client, moderator, reference, "restore")

    assert restored.status_code == 200, restored.text
    assert restored.json()["status"] == "decided"
    assert comment_id in article_ids(client)
    own = own_comment(client, reader, comment_id)
    assert (own["status"], own["statement_id"]) == ("published", None)
    assert "restored" in notifications(client, reader)[0]["message"]


def test_a_moderator_removes_a_blocked_comment_within_the_period(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    first = notice(client, comment_id).json()
    second = notice(client, comment_id, notifier_name="Lee Ha-eun").json()
    assert second["measure"]["ends_at"] == first["measure"]["ends_at"]  # joined, not extended

    removed = decide(client, moderator, first["reference"], "remove")
    twice = decide(client, moderator, second["reference"], "restore")

    assert removed.status_code == 200, removed.text
    assert twice.json()["error"] == "notice_decided"  # the decision answered both
    for reference in (first["reference"], second["reference"]):
        decision = client.get(f"/v1/notices/{reference}").json()["decision"]
        assert (decision["action"], decision["automated"]) == ("remove", False)
    own = own_comment(client, reader, comment_id)
    assert (own["status"], own["status_reason"]) == ("rejected", "legal_notice")
    statement = client.get(
        f"/v1/me/statements/{own['statement_id']}", headers=reader.headers
    ).json()
    assert (statement["restriction"], statement["automated_decision"]) == (
        "comment_removed",
        False,
    )
    assert statement["detected_by"] == "legal_notice"


def test_an_illegal_content_notice_queues_the_comment_until_decided(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    older = published(client, reader)
    newer = published(client, reader, "A second comment on the trilateral statement.")
    first = notice(client, older, kind="illegal_content").json()
    notice(client, newer, kind="illegal_content")

    queue = client.get("/v1/admin/notices", headers=moderator.headers).json()["items"]

    assert [n["comment"]["id"] for n in queue] == [older, newer]  # oldest first
    assert queue[0]["notifier_email"] == "minseo@example.kr"
    assert older in article_ids(client)  # an illegal-content notice hides nothing by itself

    kept = decide(client, moderator, first["reference"], "no_action")

    assert kept.status_code == 200
    assert older in article_ids(client)
    queue = client.get("/v1/admin/notices", headers=moderator.headers).json()["items"]
    assert [n["comment"]["id"] for n in queue] == [newer]
    decided = client.get(
        "/v1/admin/notices", params={"status": "decided"}, headers=admin.headers
    ).json()["items"]
    assert [n["reference"] for n in decided] == [first["reference"]]
    actions = [a["action"] for a in audit(client, moderator, comment_id=older)]
    assert {"notice_received", "notice_decided"} <= set(actions)


def test_notices_write_webhook_events_with_the_notifier_for_the_mailer(
    client: TestClient, database: Database, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    reference = notice(client, comment_id).json()["reference"]
    decide(client, moderator, reference, "remove")

    with Session(database.engine) as session:
        events = session.exec(select(WebhookEvent).order_by(col(WebhookEvent.id))).all()
    notice_events = [e.payload for e in events if e.type.startswith("notice.")]
    assert [e["type"] for e in notice_events] == ["notice.created", "notice.decided"]
    assert notice_events[1]["data"]["notifier"]["email"] == "minseo@example.kr"
    assert notice_events[1]["data"]["action"] == "remove"


def test_the_notices_queue_and_decisions_are_for_moderators(
    client: TestClient, reader: SignedIn
) -> None:
    comment_id = published(client, reader)
    reference = notice(client, comment_id).json()["reference"]

    assert client.get("/v1/admin/notices").status_code == 401
    assert client.get("/v1/admin/notices", headers=reader.headers).status_code == 403
    assert decide(client, reader, reference, "restore").status_code == 403


def test_the_author_deleting_a_blocked_comment_closes_its_notices(
    client: TestClient, database: Database, reader: SignedIn
) -> None:
    comment_id = published(client, reader)
    reference = notice(client, comment_id).json()["reference"]

    deleted = client.delete(f"/v1/comments/{comment_id}", headers=reader.headers)

    assert deleted.status_code == 204
    assert end_of_period(database) == 1
    decision = client.get(f"/v1/notices/{reference}").json()["decision"]
    assert (decision["action"], decision["ground"]) == ("no_action", "withdrawn_by_author")


def test_a_moderator_decides_a_blocked_comments_notice_instead_of_deleting_it(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    notice(client, comment_id)

    deleted = client.delete(f"/v1/comments/{comment_id}", headers=moderator.headers)

    assert (deleted.status_code, deleted.json()["error"]) == (409, "invalid_transition")
    assert "decide its notice" in deleted.json()["detail"]


def test_no_objection_once_the_period_is_over(
    client: TestClient, database: Database, reader: SignedIn
) -> None:
    comment_id = published(client, reader)
    reference = notice(client, comment_id).json()["reference"]
    with database.session(writes=True) as session:
        session.execute(
            update(Notice)
            .where(col(Notice.reference) == reference)
            .values(measure_ends_at=utcnow() - timedelta(seconds=1))
        )

    late = client.post(
        f"/v1/comments/{comment_id}/objections",
        json={"explanation": "I only now saw the notification about it."},
        headers=reader.headers,
    )

    assert (late.status_code, late.json()["error"]) == (409, "no_temporary_measure")


def test_a_moderator_does_not_decide_a_notice_about_their_own_comment_or_one_they_sent(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    own_comment_id = published(client, moderator)
    about_own = notice(client, own_comment_id, kind="illegal_content").json()["reference"]
    comment_id = published(client, reader, "Another comment on the statement.")
    notice(client, comment_id, kind="illegal_content", who=moderator)
    someone_elses = notice(client, comment_id, kind="illegal_content").json()["reference"]

    for reference in (about_own, someone_elses):
        refused = decide(client, moderator, reference, "no_action")
        assert (refused.status_code, refused.json()["error"]) == (403, "forbidden"), reference


def test_a_reply_restored_after_a_notice_does_not_notify_twice(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    parent = published(client, other_reader)
    reply = published(client, reader, "A reply that someone will object to.", parent_id=parent)
    reference = notice(client, reply).json()["reference"]

    decide(client, moderator, reference, "restore")

    kinds = [n["kind"] for n in notifications(client, other_reader)]
    assert kinds == ["reply"]


def test_the_running_service_ends_measures_by_itself(
    settings: Settings, scorer: Scorer, database: Database, reader: SignedIn
) -> None:
    sweeping = settings.model_copy(update={"rescore_interval": 0.1})
    with TestClient(create_app(sweeping, scorer=scorer)) as client:
        comment_id = published(client, reader)
        reference = notice(client, comment_id).json()["reference"]
        with database.session(writes=True) as session:
            session.execute(
                update(Notice)
                .where(col(Notice.reference) == reference)
                .values(measure_ends_at=utcnow() - timedelta(seconds=1))
            )
        deadline = time.monotonic() + 10
        while client.get(f"/v1/notices/{reference}").json()["status"] != "decided":
            assert time.monotonic() < deadline, "the sweep did not end the measure"
            time.sleep(0.05)
        assert own_comment(client, reader, comment_id)["status"] == "rejected"
