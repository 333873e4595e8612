"""The transparency report counts what happened in a period: notices by kind and outcome, the
median time to a decision, restrictions by ground and by automated or human means, temporary
measures and appeals; as JSON, or CSV for a spreadsheet. Admins only."""

import csv
import io
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from service.core.db import Database, utcnow
from service.core.settings import Settings
from service.notices.service import end_measures
from tests.support.factories import SignedIn, published

NOTICE = {
    "explanation": "It repeats a false accusation of fraud against me by name.",
    "notifier_name": "Choi Yu-na",
    "notifier_email": "yuna@example.kr",
    "good_faith": True,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The anonymous rights notice below starts a measure (by default only a signed-in
    notifier's does)."""
    return settings.model_copy(update={"temporary_measure_notifiers": "anyone"})


def file(client: TestClient, comment_id: int, kind: str) -> str:
    response = client.post(f"/v1/comments/{comment_id}/notices", json={"kind": kind, **NOTICE})
    assert response.status_code == 201, response.text
    reference: str = response.json()["reference"]
    return reference


def report(client: TestClient, who: SignedIn, **params: Any) -> httpx2.Response:
    return client.get("/v1/admin/transparency", params=params, headers=who.headers)


def a_month_of_decisions(
    client: TestClient,
    database: Database,
    reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    """Two notices (one measure that expires, one removal), a moderator's rejection that is
    appealed and reversed, an automated rejection whose appeal is upheld."""
    file(client, published(client, reader), "rights_infringement")
    with database.session(writes=True) as session:
        assert end_measures(session, now=utcnow() + timedelta(days=31)) == 1
    reference = file(client, published(client, reader, "Second comment."), "illegal_content")
    decided = client.post(
        f"/v1/admin/notices/{reference}/decision",
        json={"action": "remove", "ground": "Criminal Act Art. 347", "explanation": "Fraud claim."},
        headers=moderator.headers,
    )
    assert decided.status_code == 200, decided.text
    rejected = published(client, reader, "Third comment.")
    client.post(
        f"/v1/admin/comments/{rejected}/reject",
        json={"reason": "off_topic", "expected_status": "published"},
        headers=moderator.headers,
    )
    client.post("/v1/admin/wordlists/banned", json={"words": ["scumbag"]}, headers=admin.headers)
    automated = client.post(
        "/v1/articles/AEN20261127000300315/comments",
        json={"body": "scumbag"},
        headers=reader.headers,
    ).json()["id"]
    for comment_id, outcome in ((rejected, "reversed"), (automated, "upheld")):
        appeal = client.post(
            f"/v1/comments/{comment_id}/appeals",
            json={"explanation": "The comment was on topic and civil."},
            headers=reader.headers,
        ).json()
        client.post(
            f"/v1/admin/appeals/{appeal['id']}/decision",
            json={"outcome": outcome, "explanation": "Reviewed again."},
            headers=admin.headers,
        )


def test_the_report_counts_the_periods_notices_actions_measures_and_appeals(
    client: TestClient,
    database: Database,
    reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    a_month_of_decisions(client, database, reader, moderator, admin)

    response = report(client, admin)

    assert response.status_code == 200, response.text
    figures = response.json()
    assert figures["notices_by_kind"] == {
        "rights_infringement": {"remove": 1},
        "illegal_content": {"remove": 1},
    }
    assert figures["median_hours_to_decision"] is not None
    assert figures["measures"] == {
        "started": 1,
        "expired": 1,
        "restored": 0,
        "removed_by_moderators": 0,
        "withdrawn_by_author": 0,
        "overdue": 0,
    }
    assert figures["appeals"] == {"received": 2, "upheld": 1, "reversed": 1}
    by_ground = {
        (a["restriction"], a["ground"], a["automated_decision"]): a["count"]
        for a in figures["actions"]
    }
    assert by_ground == {
        ("comment_blocked", "temporary_measure", True): 1,
        ("comment_removed", "temporary_measure_expired", True): 1,
        ("comment_removed", "legal_notice", False): 1,
        ("comment_rejected", "off_topic", False): 1,
        ("comment_rejected", "banned_word", True): 1,
    }
    assert (figures["actions_automated"], figures["actions_by_people"]) == (3, 2)


def test_the_report_covers_only_its_period(
    client: TestClient,
    database: Database,
    reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    a_month_of_decisions(client, database, reader, moderator, admin)
    last_year = utcnow() - timedelta(days=400)

    empty = report(
        client,
        admin,
        **{
            "from": last_year.date().isoformat(),
            "to": (last_year + timedelta(days=30)).isoformat(),
        },
    ).json()

    assert empty["notices_by_kind"] == {}
    assert empty["actions"] == []
    assert empty["appeals"] == {"received": 0, "upheld": 0, "reversed": 0}
    assert empty["median_hours_to_decision"] is None


def test_the_report_as_csv(
    client: TestClient,
    database: Database,
    reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    a_month_of_decisions(client, database, reader, moderator, admin)

    response = client.get("/v1/admin/transparency", headers={**admin.headers, "Accept": "text/csv"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["section", "name", "value"]
    figures = {(section, name): value for section, name, value in rows[1:]}
    assert figures[("notices", "illegal_content/remove")] == "1"
    assert figures[("actions", "comment_rejected/guideline:off_topic/human")] == "1"
    assert figures[("measures", "expired")] == "1"
    assert figures[("appeals", "reversed")] == "1"


def test_the_report_is_for_admins_and_checks_its_period(
    client: TestClient, moderator: SignedIn, admin: SignedIn
) -> None:
    assert client.get("/v1/admin/transparency").status_code == 401
    assert report(client, moderator).status_code == 403
    backwards = report(client, admin, **{"from": "2026-06-01", "to": "2026-01-01"})
    assert (backwards.status_code, backwards.json()["error"]) == (422, "invalid_period")
    assert report(client, admin, **{"from": "yesterday"}).status_code == 422
    for edge in ({"to": "0001-01-01T00:00:00"}, {"to": "9999-12-31T23:00:00-05:00"}):
        outside = report(client, admin, **edge)
        assert (outside.status_code, outside.json()["error"]) == (422, "invalid_period"), edge
