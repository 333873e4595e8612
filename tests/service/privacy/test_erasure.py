"""Leaving (DELETE /v1/me) and an admin's erasure on request: the account goes at once, its
comments stay under a deleted account or are deleted (a placeholder keeping a thread), and what
a running notice or an open appeal covers waits until it is settled."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from auth.models import AuthSession, Identity, User, UserStatus
from auth.sessions import issue_session
from auth.users import ensure_not_erased
from service.audit.models import AuditEvent
from service.comments.models import Comment, CommentRevision
from service.core.db import Database
from service.core.errors import NotAuthenticated
from service.notifications.models import Notification, NotificationKind
from service.notifications.service import notify
from service.privacy.erasure import continue_erasure_of, unfinished_erasures
from service.privacy.models import Erasure
from tests.support.factories import ARTICLE, SignedIn, published

NOTICE = {
    "kind": "illegal_content",
    "explanation": "This comment accuses a named official of taking bribes without any basis.",
    "legal_ground": "Criminal Act Art. 307 (defamation)",
    "notifier_name": "Kim Min-seo",
    "notifier_email": "minseo@example.kr",
    "good_faith": True,
}


def leave(client: TestClient, who: SignedIn, **body: str) -> dict[str, Any]:
    response = client.request("DELETE", "/v1/me", json=body or None, headers=who.headers)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def listed(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(f"/v1/articles/{ARTICLE}/comments")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def count(client: TestClient) -> int:
    response = client.get(f"/v1/articles/{ARTICLE}/comments/count")
    assert response.status_code == 200, response.text
    value: int = response.json()["count"]
    return value


def rows(engine: Engine, table: type[Any], column: Any, user_id: int) -> int:
    with Session(engine) as session:
        return len(session.exec(select(table).where(column == user_id)).all())


def test_leaving_keeps_the_comments_under_a_deleted_account_by_default(
    client: TestClient, engine: Engine, reader: SignedIn, other_reader: SignedIn
) -> None:
    mine = published(client, reader, "A fair summary of the budget debate.")
    published(client, other_reader, "I agree with this.", parent_id=mine)
    with Session(engine) as session:
        session.add(
            Identity(user_id=reader.id, provider="twitter", subject="4242", username="jiho")
        )
        session.commit()

    report = leave(client, reader)

    assert report == {
        "comments": "anonymize",
        "comments_deleted": 0,
        "comments_kept": 1,
        "held_back": [],
        "finished": True,
        "sign_in_barred_until": None,
    }
    assert client.get("/v1/me", headers=reader.headers).status_code == 401
    shown = {item["id"]: item for item in listed(client)}
    assert shown[mine]["body"] == "A fair summary of the budget debate."
    assert shown[mine]["author"] == {"id": None, "display_name": "", "deleted": True, "badge": None}
    assert count(client) == 2
    with Session(engine) as session:
        user = session.get(User, reader.id)
        assert user is not None
        assert (user.status, user.display_name) == (UserStatus.ERASED, "")
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "user_erased")).one()
    assert (event.actor_id, event.subject_user_id) == (reader.id, reader.id)
    assert event.detail == {"comments": "anonymize"}
    assert rows(engine, Identity, Identity.user_id, reader.id) == 0
    assert rows(engine, AuthSession, AuthSession.user_id, reader.id) == 0


def test_leaving_clears_the_session_cookie(client: TestClient, reader: SignedIn) -> None:
    response = client.request("DELETE", "/v1/me", headers=reader.headers)

    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{client.app.state.settings.session_cookie_name}=")  # type: ignore[attr-defined]
    assert "Max-Age=0" in cookie


def test_deleting_the_comments_keeps_a_placeholder_where_replies_hang(
    client: TestClient, engine: Engine, reader: SignedIn, other_reader: SignedIn
) -> None:
    answered = published(client, reader, "The first version of my comment.")
    edited = client.patch(
        f"/v1/comments/{answered}", json={"body": "The second version."}, headers=reader.headers
    )
    assert edited.status_code == 200, edited.text
    alone = published(client, reader, "A comment nobody answered.")
    reply = published(client, other_reader, "An answer to the first one.", parent_id=answered)

    report = leave(client, reader, comments="delete")

    assert (report["comments_deleted"], report["comments_kept"]) == (2, 0)
    assert report["finished"] is True
    shown = {item["id"]: item for item in listed(client)}
    assert set(shown) == {answered, reply}
    placeholder = shown[answered]
    assert (placeholder["status"], placeholder["body"]) == ("deleted", "")
    assert placeholder["author"] == {"id": None, "display_name": "", "deleted": True, "badge": None}
    assert placeholder["reply_count"] == 1
    assert shown[reply]["parent_id"] == answered
    assert count(client) == 1  # the reply; a placeholder is not a comment
    with Session(engine) as session:
        mine = session.exec(select(Comment).where(col(Comment.id).in_([answered, alone]))).all()
        assert {(c.status, c.body) for c in mine} == {("deleted", "")}
        revisions = session.exec(
            select(CommentRevision).where(CommentRevision.comment_id == answered)
        ).all()
        assert revisions == []


def test_a_comment_under_a_notice_or_an_appeal_waits_until_it_is_settled(
    client: TestClient,
    engine: Engine,
    database: Database,
    reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    noticed = published(client, reader, "The minister's aide took money, everyone knows it.")
    filed = client.post(f"/v1/comments/{noticed}/notices", json=NOTICE)
    assert filed.status_code == 201, filed.text
    appealed = published(client, reader, "The budget misses the point.")
    rejected = client.post(
        f"/v1/admin/comments/{appealed}/reject",
        json={"reason": "off_topic", "expected_status": "published"},
        headers=moderator.headers,
    )
    assert rejected.status_code == 200, rejected.text
    appeal = client.post(
        f"/v1/comments/{appealed}/appeals",
        json={"explanation": "The budget is what the article is about."},
        headers=reader.headers,
    )
    assert appeal.status_code == 201, appeal.text
    plain = published(client, reader, "Thanks for the clear report.")

    report = leave(client, reader, comments="delete")

    assert report["held_back"] == [
        {"comment_id": noticed, "why": "legal_notice"},
        {"comment_id": appealed, "why": "appeal"},
    ]
    assert (report["comments_deleted"], report["finished"]) == (1, False)
    with database.session(writes=True) as session:
        assert unfinished_erasures(session) == []  # nothing the sweep can do yet
        progress = continue_erasure_of(session, reader.id)
        assert progress is not None
        assert (progress.deleted, progress.finished) == (0, False)
        assert session.get(Comment, plain).status == "deleted"  # type: ignore[union-attr]

    decided = client.post(
        f"/v1/admin/notices/{filed.json()['reference']}/decision",
        json={"action": "no_action", "ground": "Opinion", "explanation": "Opinion, not a claim."},
        headers=moderator.headers,
    )
    assert decided.status_code == 200, decided.text
    upheld = client.post(
        f"/v1/admin/appeals/{appeal.json()['id']}/decision",
        json={"outcome": "upheld", "explanation": "Reviewed again."},
        headers=admin.headers,  # not the moderator who rejected it
    )
    assert upheld.status_code == 200, upheld.text

    with database.session(writes=True) as session:
        assert unfinished_erasures(session) == [reader.id]
        progress = continue_erasure_of(session, reader.id)
        assert progress is not None
        assert (progress.deleted, progress.finished) == (2, True)
    with Session(engine) as session:
        erasure = session.get(Erasure, reader.id)
        assert erasure is not None
        assert erasure.finished_at is not None
        bodies = session.exec(select(Comment.body).where(Comment.author_id == reader.id)).all()
        assert set(bodies) == {""}
    assert rows(engine, Notification, Notification.user_id, reader.id) == 0


def test_an_admin_erases_an_account_on_request_with_a_reason(
    client: TestClient, engine: Engine, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    published(client, reader, "Thanks for the clear report.")
    path = f"/v1/admin/users/{reader.id}/erase"
    body = {"comments": "delete", "reason": "Letter of 2026-12-01, ref. PIPA-17"}

    assert client.post(path, json=body, headers=moderator.headers).status_code == 403
    missing = client.post(path, json={"comments": "delete"}, headers=admin.headers)
    assert missing.status_code == 422
    erased = client.post(path, json=body, headers=admin.headers)
    assert erased.status_code == 200, erased.text
    assert erased.json()["comments_deleted"] == 1
    again = client.post(path, json=body, headers=admin.headers)
    assert (again.status_code, again.json()["error"]) == (409, "user_erased")
    banned = client.post(
        f"/v1/admin/users/{reader.id}/ban", json={"reason": "spam"}, headers=admin.headers
    )
    assert (banned.status_code, banned.json()["error"]) == (409, "user_erased")
    own = client.post(f"/v1/admin/users/{admin.id}/erase", json=body, headers=admin.headers)
    assert own.status_code == 403
    drawer = client.get(f"/v1/admin/users/{reader.id}", headers=admin.headers).json()
    assert (drawer["status"], drawer["display_name"]) == ("erased", "")
    with Session(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "user_erased")).one()
    assert (event.actor_id, event.subject_user_id) == (admin.id, reader.id)
    assert event.reason == "Letter of 2026-12-01, ref. PIPA-17"


def test_an_admin_erasing_a_banned_account_keeps_its_sign_in_barred(
    client: TestClient, engine: Engine, reader: SignedIn, admin: SignedIn
) -> None:
    banned = client.post(
        f"/v1/admin/users/{reader.id}/ban", json={"reason": "spam"}, headers=admin.headers
    )
    assert banned.status_code == 200, banned.text
    body = {"comments": "anonymize", "reason": "E-mail of 2026-12-03"}

    erased = client.post(f"/v1/admin/users/{reader.id}/erase", json=body, headers=admin.headers)

    assert erased.status_code == 200, erased.text
    barred_until = erased.json()["sign_in_barred_until"]
    assert barred_until is not None
    with Session(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "user_erased")).one()
        erasure = session.get(Erasure, reader.id)
    assert event.detail is not None
    assert event.detail["sign_in_barred_until"] == barred_until.replace("Z", "+00:00")
    assert erasure is not None
    assert erasure.barred_until is not None


def test_a_moderator_still_sees_whose_comments_they_were_by_pseudonym(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    mine = published(client, reader, "Thanks for the clear report.")
    leave(client, reader)

    shown = client.get(f"/v1/admin/comments/{mine}", headers=moderator.headers)

    assert shown.status_code == 200, shown.text
    assert shown.json()["author"] == {
        "id": reader.id,
        "display_name": "",
        "deleted": True,
        "badge": None,
    }


def test_a_misspelt_choice_is_refused_not_taken_for_the_default(
    client: TestClient, reader: SignedIn
) -> None:
    response = client.request(
        "DELETE", "/v1/me", json={"comment": "delete"}, headers=reader.headers
    )

    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert client.get("/v1/me", headers=reader.headers).status_code == 200


def test_nothing_reaches_an_erased_account_after_it_left(
    client: TestClient, engine: Engine, database: Database, reader: SignedIn
) -> None:
    """What raced the erasure: a post stored after it, a sign-in finished after it, a decision
    that tells the author."""
    leave(client, reader)

    with database.session(writes=True) as session:
        with pytest.raises(NotAuthenticated):
            ensure_not_erased(session, reader.id)  # the store phase of a post in flight
        user = session.get(User, reader.id)
        assert user is not None
        late = issue_session(session, user, lifetime=timedelta(days=1))
        assert (
            notify(session, user_id=reader.id, kind=NotificationKind.COMMENT_APPROVED, message="x")
            is None
        )
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {late}"}).status_code == 401
    assert rows(engine, Notification, Notification.user_id, reader.id) == 0


def test_a_placeholder_is_listed_once_on_the_page_its_id_falls_in(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    first = published(client, reader, "The oldest comment, answered later.")
    middle = [published(client, other_reader, f"Another view, number {n}.") for n in range(3)]
    reply = published(client, other_reader, "An answer to the oldest one.", parent_id=first)
    leave(client, reader, comments="delete")

    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/v1/articles/{ARTICLE}/comments", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [reply, *reversed(middle), first]


def test_placeholders_count_toward_the_page_limit(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    """A reader who deletes many answered comments does not swell a page beyond `limit`."""
    answered = [published(client, reader, f"Point {n} on the harbour budget.") for n in range(5)]
    replies = [
        published(client, other_reader, f"An answer to point {n}.", parent_id=parent)
        for n, parent in enumerate(answered)
    ]
    leave(client, reader, comments="delete")

    pages: list[list[int]] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/v1/articles/{ARTICLE}/comments", params=params).json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [3, 3, 3, 1]
    assert [id_ for page in pages for id_ in page] == sorted([*answered, *replies], reverse=True)
