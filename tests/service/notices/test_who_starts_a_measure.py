"""Who may hide a comment with one notice: by default a signed-in notifier
(`COMMENTMOD_TEMPORARY_MEASURE_NOTIFIERS`), never about a staff member's comment, and never
again once a notice on the comment was decided (the take-down loop: restore, one more
anonymous notice, hidden again). A notice held back is still received and waits in the
moderators' queue; a moderator decides it as any other."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select, update

from auth.models import User, UserStatus
from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.audit.models import AuditEvent
from service.core.db import Database
from service.core.settings import Settings
from service.webhooks.models import WebhookEvent
from tests.service.notices.test_notices import article_ids, decide, notice
from tests.support.factories import FRONTEND_ORIGIN, SignedIn, published


@pytest.fixture
def anyone(settings: Settings, scorer: Scorer) -> Iterator[TestClient]:
    """The service with `COMMENTMOD_TEMPORARY_MEASURE_NOTIFIERS=anyone`."""
    changed = settings.model_copy(update={"temporary_measure_notifiers": "anyone"})
    with TestClient(create_app(changed, scorer=scorer)) as client:
        yield client


def open_notices(client: TestClient, moderator: SignedIn) -> list[dict[str, Any]]:
    response = client.get("/v1/admin/notices", headers=moderator.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def received_detail(database: Database, comment_id: int) -> list[dict[str, Any]]:
    """The audit's word on each notice received about the comment, oldest first."""
    with Session(database.engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.comment_id == comment_id, AuditEvent.action == "notice_received")
            .order_by(col(AuditEvent.id))
        ).all()
    return [dict(event.detail or {}) for event in events]


def test_by_default_an_anonymous_rights_notice_is_queued_and_hides_nothing(
    client: TestClient, database: Database, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)

    filed = notice(client, comment_id)

    assert filed.status_code == 201, filed.text
    assert (filed.json()["status"], filed.json()["measure"]) == ("received", None)
    assert comment_id in article_ids(client)
    (queued,) = open_notices(client, moderator)
    assert (queued["reference"], queued["repeat"]) == (filed.json()["reference"], False)
    assert received_detail(database, comment_id)[0]["measure"] == "notifier_not_signed_in"

    removed = decide(client, moderator, filed.json()["reference"], "remove")

    assert removed.status_code == 200, removed.text
    assert comment_id not in article_ids(client)


def test_a_signed_in_notifiers_rights_notice_hides_the_comment_at_once(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    comment_id = published(client, reader)

    filed = notice(client, comment_id, who=other_reader)

    assert filed.status_code == 201, filed.text
    assert filed.json()["measure"] is not None
    assert comment_id not in article_ids(client)


def test_with_anyone_an_anonymous_rights_notice_hides_the_comment(
    anyone: TestClient, reader: SignedIn
) -> None:
    comment_id = published(anyone, reader)

    filed = notice(anyone, comment_id)

    assert filed.status_code == 201, filed.text
    assert filed.json()["measure"] is not None
    assert comment_id not in article_ids(anyone)


def test_a_session_cookie_signs_the_notifier_in_only_on_a_checked_write(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    """The route is open to anyone, but a cookie is no signature on a forged cross-site post:
    that is refused (not filed as anonymous); the checked write counts as signed in."""
    comment_id = published(client, reader)
    client.cookies.set("commentmod_session", other_reader.token)
    url = f"/v1/comments/{comment_id}/notices"
    body = {
        "kind": "rights_infringement",
        "explanation": "It gives my home address and says I take bribes at home.",
        "notifier_name": "Ji-woo Reader",
        "notifier_email": "jiwoo@example.kr",
        "good_faith": True,
    }

    forged = [
        client.post(url, json=body),
        client.post(
            url,
            json=body,
            headers={"Origin": "https://evil.example", "X-Requested-With": "XMLHttpRequest"},
        ),
    ]
    checked = client.post(
        url,
        json=body,
        headers={"Origin": FRONTEND_ORIGIN, "X-Requested-With": "XMLHttpRequest"},
    )

    assert [(r.status_code, r.json().get("error")) for r in forged] == [(403, "csrf_failed")] * 2
    assert checked.status_code == 201, checked.text
    assert checked.json()["measure"] is not None
    assert [n["notifier_id"] for n in open_notices(client, moderator)] == [other_reader.id]
    client.cookies.clear()
    assert comment_id not in article_ids(client)


@pytest.mark.parametrize("status", [UserStatus.BANNED, UserStatus.SUSPENDED])
def test_a_banned_or_suspended_notifier_starts_no_measure(
    client: TestClient,
    database: Database,
    reader: SignedIn,
    other_reader: SignedIn,
    status: UserStatus,
) -> None:
    comment_id = published(client, reader)
    with database.session(writes=True) as session:
        session.execute(update(User).where(col(User.id) == other_reader.id).values(status=status))

    filed = notice(client, comment_id, who=other_reader)

    assert filed.status_code == 201, filed.text
    assert filed.json()["measure"] is None
    assert comment_id in article_ids(client)


@pytest.mark.parametrize("staff", ["moderator", "admin"])
def test_a_staff_members_comment_is_reviewed_not_hidden(
    anyone: TestClient,
    database: Database,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
    staff: str,
) -> None:
    author, decider = (moderator, admin) if staff == "moderator" else (admin, moderator)
    comment_id = published(anyone, author)

    signed = notice(anyone, comment_id, who=other_reader)
    anonymous = notice(anyone, comment_id, notifier_name="Second Notifier")

    assert [filed.json()["measure"] for filed in (signed, anonymous)] == [None, None]
    assert comment_id in article_ids(anyone)
    assert [n["repeat"] for n in open_notices(anyone, decider)] == [False, False]
    details = received_detail(database, comment_id)
    assert [d["measure"] for d in details] == ["staff_author", "staff_author"]
    kept = decide(anyone, decider, signed.json()["reference"], "no_action")
    assert kept.status_code == 200, kept.text
    assert open_notices(anyone, decider) == []


@pytest.mark.parametrize("setting", ["anyone", "signed_in"])
def test_after_a_restore_one_more_notice_is_a_repeat_and_hides_nothing(
    settings: Settings,
    scorer: Scorer,
    database: Database,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    setting: str,
) -> None:
    """The take-down loop: a rights notice hides the comment, a moderator restores it, and
    the next notice (anonymous, or even signed in) must not hide it again."""
    changed = settings.model_copy(update={"temporary_measure_notifiers": setting})
    with TestClient(create_app(changed, scorer=scorer)) as client:
        comment_id = published(client, reader)
        first = notice(client, comment_id, who=other_reader).json()
        assert first["measure"] is not None
        assert decide(client, moderator, first["reference"], "restore").status_code == 200
        assert comment_id in article_ids(client)

        anonymous = notice(client, comment_id, notifier_name="Anonymous Again")
        signed = notice(client, comment_id, who=other_reader, notifier_name="Signed Again")

        for repeat in (anonymous, signed):
            assert repeat.status_code == 201, repeat.text
            assert (repeat.json()["status"], repeat.json()["measure"]) == ("received", None)
        assert comment_id in article_ids(client)
        queue = open_notices(client, moderator)
        assert [(n["reference"], n["repeat"]) for n in queue] == [
            (anonymous.json()["reference"], True),
            (signed.json()["reference"], True),
        ]
        decided = client.get(
            "/v1/admin/notices", params={"status": "decided"}, headers=moderator.headers
        ).json()["items"]
        assert [(n["reference"], n["repeat"]) for n in decided] == [(first["reference"], False)]
        details = received_detail(database, comment_id)
        assert [d["measure"] for d in details] == ["at_once", "repeat", "repeat"]
        with Session(database.engine) as session:
            created = session.exec(
                select(WebhookEvent.payload).where(WebhookEvent.type == "notice.created")
            ).all()
        assert [event["data"]["repeat"] for event in created] == [False, True, True]

        # a moderator decides the repeats as usual: here, removes the comment after all
        removed = decide(client, moderator, anonymous.json()["reference"], "remove")

        assert removed.status_code == 200, removed.text
        assert comment_id not in article_ids(client)
        assert open_notices(client, moderator) == []


def test_a_notice_after_no_action_on_a_visible_comment_is_a_repeat(
    anyone: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(anyone, reader)
    first = notice(anyone, comment_id, kind="illegal_content").json()
    decide(anyone, moderator, first["reference"], "no_action")

    again = notice(anyone, comment_id)

    assert again.json()["measure"] is None
    assert comment_id in article_ids(anyone)
    assert [n["repeat"] for n in open_notices(anyone, moderator)] == [True]


def test_a_later_notice_joins_a_running_measure_and_is_no_repeat(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    first = notice(client, comment_id, who=other_reader).json()

    joined = notice(client, comment_id, notifier_name="Lee Ha-eun").json()

    assert joined["measure"]["ends_at"] == first["measure"]["ends_at"]
    assert [n["repeat"] for n in open_notices(client, moderator)] == [False, False]
