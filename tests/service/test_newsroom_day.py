"""A newsroom's day end to end, across every feature."""

from datetime import timedelta

from fastapi.testclient import TestClient

from service.core.db import utcnow
from tests.support.factories import (
    CIVIL,
    TOXIC,
    SignedIn,
    audit,
    held,
    post,
    published,
    queue_ids,
    report,
)


def test_the_newsroom_day_from_the_issue(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    """A toxic comment is nudged, then held after acknowledgement; a report puts a published
        comment in `reported`; two comments are bulk-rejected and their author suspended; a banned
        word is rejected with its reason; every step is in the audit log with its actor, and every
    restriction wrote its author a statement of reasons."""
    nudged = post(client, reader, TOXIC)
    assert nudged.json()["error"] == "toxic_comment"
    toxic_id = held(client, reader)
    civil_id = published(client, reader)
    assert report(client, other_reader, civil_id).status_code == 201
    assert queue_ids(client, moderator, status="reported") == [civil_id]

    bulk = client.post(
        "/v1/admin/comments:bulk",
        json={"ids": [toxic_id, civil_id], "action": "reject", "reason": "offensive"},
        headers=moderator.headers,
    )
    assert all(r["ok"] for r in bulk.json()["results"])
    until = (utcnow() + timedelta(days=7)).replace(microsecond=0).isoformat()
    client.post(
        f"/v1/admin/users/{reader.id}/suspend",
        json={"until": until, "reason": "abusive"},
        headers=moderator.headers,
    )
    suspended = post(client, reader, CIVIL)
    assert (suspended.status_code, suspended.json()["until"]) == (403, until)

    client.post("/v1/admin/wordlists/banned", json={"words": ["scumbag"]}, headers=admin.headers)
    banned = post(client, other_reader, "What a scumbag")
    assert (banned.json()["status"], banned.json()["status_reason"]) == ("rejected", "banned_word")

    steps = [(a["action"], a["actor_id"]) for a in reversed(audit(client, moderator, limit=100))]
    assert steps == [
        ("created", None),
        ("created", None),
        ("reported", other_reader.id),
        ("status_change", moderator.id),
        ("statement_of_reasons", moderator.id),
        ("status_change", moderator.id),
        ("statement_of_reasons", moderator.id),
        ("user_suspend", moderator.id),
        ("statement_of_reasons", moderator.id),
        ("banned_words_added", admin.id),
        ("created", None),
        ("statement_of_reasons", None),
    ]
