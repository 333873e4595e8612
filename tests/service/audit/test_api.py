"""The audit log and its filters."""

from fastapi.testclient import TestClient

from tests.support.factories import SignedIn, audit, held


def test_the_audit_log_filters(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    mine = held(client, reader)
    theirs = held(client, other_reader)
    client.post(f"/v1/admin/comments/{mine}/approve", headers=moderator.headers)

    by_comment = audit(client, moderator, comment_id=mine)
    by_author = audit(client, moderator, author_id=other_reader.id)
    by_actor = audit(client, moderator, actor_id=moderator.id)

    assert [(a["action"], a["actor_id"]) for a in by_comment] == [
        ("status_change", moderator.id),
        ("created", None),
    ]
    assert [a["comment_id"] for a in by_author] == [theirs]
    assert [a["comment_id"] for a in by_actor] == [mine]
