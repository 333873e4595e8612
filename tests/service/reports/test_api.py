"""Readers report comments: once each, never their own; a reported comment stays up and enters the
reported queue past the threshold."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.factories import (
    ARTICLE,
    SignedIn,
    audit,
    published,
    queue_ids,
    report,
    sign_in,
)


def test_a_reported_comment_stays_visible_and_enters_the_reported_queue(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)

    response = report(client, other_reader, comment_id, "misinformation")

    assert response.status_code == 201
    assert response.json()["reason"] == "misinformation"
    listed = client.get(f"/v1/articles/{ARTICLE}/comments").json()["items"]
    assert [c["id"] for c in listed] == [comment_id]
    assert queue_ids(client, moderator, status="reported") == [comment_id]
    (reported,) = audit(client, moderator, comment_id=comment_id, actor_id=other_reader.id)
    assert (reported["action"], reported["reason"]) == ("reported", "misinformation")


def test_one_report_per_reader_and_never_your_own(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    comment_id = published(client, reader)
    report(client, other_reader, comment_id)

    again = report(client, other_reader, comment_id)
    own = report(client, reader, comment_id)
    unknown = report(client, other_reader, 999)
    bad_reason = report(client, other_reader, comment_id, "i-dont-like-it")

    assert (again.status_code, again.json()["error"]) == (409, "already_reported")
    assert (own.status_code, own.json()["error"]) == (403, "cannot_report_own")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "comment_not_found")
    assert bad_reason.status_code == 422


def test_approving_a_reported_comment_clears_it_but_keeps_the_reports(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    report(client, other_reader, comment_id)

    approved = client.post(f"/v1/admin/comments/{comment_id}/approve", headers=moderator.headers)

    assert approved.status_code == 200
    assert approved.json()["open_reports"] == 0
    assert queue_ids(client, moderator, status="reported") == []
    assert comment_id in queue_ids(client, moderator, status="approved")
    detail = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers).json()
    assert [r["reason"] for r in detail["reports"]] == ["abuse"]


class TestReportThreshold:
    @pytest.fixture
    def settings(self, settings):  # type: ignore[no-untyped-def]
        return settings.model_copy(update={"report_threshold": 2})

    def test_a_comment_enters_the_queue_past_the_threshold(
        self,
        client: TestClient,
        reader: SignedIn,
        other_reader: SignedIn,
        moderator: SignedIn,
        engine: Engine,
    ) -> None:
        comment_id = published(client, reader)
        report(client, other_reader, comment_id)
        assert queue_ids(client, moderator, status="reported") == []

        report(client, sign_in(engine, "Third Reader"), comment_id)

        assert queue_ids(client, moderator, status="reported") == [comment_id]


def test_a_banned_reader_cannot_report(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    client.post(
        f"/v1/admin/users/{other_reader.id}/ban", json={"reason": "x"}, headers=moderator.headers
    )

    response = report(client, other_reader, comment_id)

    assert (response.status_code, response.json()["error"]) == (403, "user_banned")
