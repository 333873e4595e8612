"""The spam checks through the API, with the product's defaults (the rest of the suite turns
them off): links, repeats from one account, daily caps, history, the new-account cool-down,
the external hook, and their settings."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from auth.models import User
from moderation.scoring.scorers import Scorer
from moderation.statuses import CommentStatus
from service.abuse.models import CommentFingerprint
from service.articles.service import register_article
from service.audit.models import AuditEvent
from service.comments.models import Comment
from service.comments.service import change_status
from service.comments.tallies import count_new
from service.core.db import utcnow
from service.core.settings import Settings
from service.webhooks.service import SIGNATURE_HEADER, signature
from tests.support.factories import ARTICLE, SignedIn, count_rows, post, sign_in
from tests.support.receiver import Receiver
from tests.support.scorers import ScriptedScorer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"moderation_defaults": {}, "webhook_allowed_hosts": ["127.0.0.1"]}
    )


@pytest.fixture
def scorer(scripted_scorer: ScriptedScorer) -> Scorer:
    return scripted_scorer


def change(client: TestClient, admin: SignedIn, **settings: Any) -> dict[str, Any]:
    response = client.put("/v1/admin/settings", json=settings, headers=admin.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def note_of(engine: Engine, comment_id: int) -> str | None:
    """The note of the decision that stored the comment."""
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent).where(
                AuditEvent.comment_id == comment_id, AuditEvent.action == "created"
            )
        ).first()
        assert event is not None
        return event.note


def status_of(engine: Engine, comment_id: int) -> tuple[str, str | None]:
    with Session(engine) as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment.status, comment.status_reason


def regular(engine: Engine, client: TestClient, name: str) -> SignedIn:
    """A reader with three published comments: no longer a new commenter."""
    who = sign_in(engine, name)
    for n, topic in enumerate(("the budget", "the election", "the weather")):
        response = post(client, who, f"A fair point about {topic}.", article=f"regular-{n}")
        assert response.json()["status"] == "published", response.text
    return who


# Links -------------------------------------------------------------------------------------


def test_defaults_are_the_products(client: TestClient, moderator: SignedIn) -> None:
    shown = client.get("/v1/admin/settings", headers=moderator.headers).json()

    assert shown["links"] == {
        "action": "hold_for_new_commenters",
        "allow_domains": [],
        "deny_domains": [],
        "trusted_after": 3,
    }
    assert shown["repeats"] == {
        "same_account_hours": 24,
        "coordinated_accounts": 3,
        "coordinated_window_minutes": 60,
        "similarity": 0.9,
    }
    assert shown["daily_caps"] == {
        "comments": 20,
        "replies": 40,
        "per_article": 3,
        "reactions": 50,
    }
    assert shown["reactions"] == {
        "ranking_min_account_age_hours": 24,
        "burst_reactions": 10,
        "burst_minutes": 10,
    }
    assert shown["history_hold"] == {"days": 30, "min_decided": 5, "rejected_rate": 0.3}
    assert shown["new_account_cooldown_minutes"] == 0
    assert shown["external_moderation"] is None


@pytest.mark.parametrize(
    "body",
    [
        "Cheap watches at shop.example.com today",
        "Visit https://shop.example.com/deal now",
        "Best prices: shop\uff0eexample\uff0ecom",
        "Deals at shop dot example dot com",
    ],
)
def test_a_new_commenters_link_is_held_and_named(
    client: TestClient, reader: SignedIn, engine: Engine, body: str
) -> None:
    response = post(client, reader, body)

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["status_reason"]) == ("held", "link")
    assert note_of(engine, response.json()["id"]) == "links: shop.example.com"


def test_a_regulars_link_is_published_and_the_allow_list_is_never_held(
    client: TestClient, reader: SignedIn, admin: SignedIn, engine: Engine
) -> None:
    regular_reader = regular(engine, client, "Regular")
    assert post(client, regular_reader, "Source: www.bbc.co.uk/news").json()["status"] == (
        "published"
    )

    change(client, admin, links={"allow_domains": ["https://www.KoreaHerald.com/"]})
    response = post(client, reader, "As reported on news.koreaherald.com/article/1")
    assert response.json()["status"] == "published"


def test_denied_domains_are_rejected_at_once_whoever_posts(
    client: TestClient, admin: SignedIn, engine: Engine
) -> None:
    shown = change(client, admin, links={"deny_domains": ["scam-shop.biz"]})
    assert shown["links"]["action"] == "hold_for_new_commenters"  # merged, not replaced
    regular_reader = regular(engine, client, "Regular")

    response = post(client, regular_reader, "Great stuff at deals.scam-shop.biz!")

    assert (response.json()["status"], response.json()["status_reason"]) == (
        "rejected",
        "link_denied",
    )
    statement = client.get(
        f"/v1/me/statements/{response.json()['statement_id']}", headers=regular_reader.headers
    ).json()
    assert statement["detected_by"] == "spam_check"
    assert "links to a site this site does not allow" in statement["facts"]


@pytest.mark.parametrize(
    ("action", "expected"),
    [("reject", ("rejected", "link")), ("hold", ("held", "link")), ("allow", ("published", None))],
)
def test_the_link_action_applies_to_everyone(
    client: TestClient,
    admin: SignedIn,
    engine: Engine,
    action: str,
    expected: tuple[str, str | None],
) -> None:
    change(client, admin, links={"action": action})
    regular_reader = regular(engine, client, "Regular")

    response = post(client, regular_reader, "More at example.org/page")

    assert (response.json()["status"], response.json()["status_reason"]) == expected


# Repeats from one account -------------------------------------------------------------------


def full_width(text: str) -> str:
    """As typed with a CJK keyboard's full-width ASCII."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    "again",
    [
        "I agree with the editorial.",
        "i agree with the editorial",
        "I  agree,  with the editorial!!",
        full_width("I agree with the editorial."),
    ],
)
def test_the_same_text_twice_is_refused_naming_the_first(
    client: TestClient, reader: SignedIn, engine: Engine, again: str
) -> None:
    first = post(client, reader, "I agree with the editorial.").json()["id"]

    response = post(client, reader, again, article="another-article")

    assert response.status_code == 409
    assert response.json()["error"] == "duplicate_comment"
    assert response.json()["comment_id"] == first
    assert count_rows(engine, Comment) == 1


def test_another_account_a_changed_number_and_a_deleted_comment_are_not_repeats(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    first = post(client, reader, "Point 3 of the plan is weak.").json()["id"]

    assert post(client, other_reader, "Point 3 of the plan is weak.").status_code == 201
    assert post(client, reader, "Point 4 of the plan is weak.").status_code == 201
    assert client.delete(f"/v1/comments/{first}", headers=reader.headers).status_code == 204
    assert post(client, reader, "Point 3 of the plan is weak.").status_code == 201


def test_an_edit_cannot_make_a_repeat_and_frees_the_old_text(
    client: TestClient, reader: SignedIn
) -> None:
    first = post(client, reader, "The first thought.").json()["id"]
    second = post(client, reader, "The second thought.", article="b").json()["id"]

    refused = client.patch(
        f"/v1/comments/{second}", json={"body": "The first thought!"}, headers=reader.headers
    )
    assert (refused.status_code, refused.json()["comment_id"]) == (409, first)

    edited = client.patch(
        f"/v1/comments/{second}", json={"body": "A better thought."}, headers=reader.headers
    )
    assert edited.status_code == 200
    assert post(client, reader, "The second thought.", article="c").status_code == 201
    again = post(client, reader, "A better thought.", article="d")
    assert (again.status_code, again.json()["comment_id"]) == (409, second)


def test_deleting_rejected_comments_neither_clears_the_history_nor_frees_the_text(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    change(client, admin, history_hold={"min_decided": 2, "rejected_rate": 0.5})
    ids = [post(client, reader, f"Buy now, offer {n}.", article=f"a{n}").json()["id"] for n in "xy"]
    for comment_id in ids:
        rejected = client.post(
            f"/v1/admin/comments/{comment_id}/reject",
            json={"reason": "spam", "expected_status": "published"},
            headers=moderator.headers,
        )
        assert rejected.status_code == 200, rejected.text
        assert (
            client.delete(f"/v1/comments/{comment_id}", headers=reader.headers).status_code == 204
        )

    assert post(client, reader, "Buy now, offer x.", article="a9").status_code == 409
    held = post(client, reader, "Something else entirely.", article="a8").json()
    assert (held["status"], held["status_reason"]) == ("held", "history")


def test_a_double_click_stores_one_comment(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: post(client, reader, "Posted twice?"), range(2)))

    assert sorted(a.status_code for a in answers) == [201, 409]
    assert count_rows(engine, Comment) == 1


def test_the_repeat_window_is_a_setting(
    client: TestClient, reader: SignedIn, admin: SignedIn, engine: Engine
) -> None:
    first = post(client, reader, "Same words.").json()["id"]
    with Session(engine) as session:
        session.execute(
            update(CommentFingerprint)
            .where(col(CommentFingerprint.comment_id) == first)
            .values(created_at=utcnow() - timedelta(hours=25))
        )
        session.commit()
    assert post(client, reader, "Same words.").status_code == 201

    change(client, admin, repeats={"same_account_hours": 0})
    assert post(client, reader, "Same words.").status_code == 201


# Daily caps ----------------------------------------------------------------------------------


def test_the_per_article_cap_answers_429_with_when_it_resets(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    for n in range(3):
        assert post(client, reader, f"Thought number {n} on this.").status_code == 201

    response = post(client, reader, "Thought number four on this.")

    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "daily_limit_reached"
    assert (body["limit"], body["scope"]) == (3, "per_article")
    resets_at = datetime.fromisoformat(body["resets_at"])
    assert timedelta(0) < resets_at - utcnow() <= timedelta(days=1)
    assert resets_at.astimezone(ZoneInfo("Asia/Seoul")).hour == 0  # the site's midnight
    assert int(response.headers["Retry-After"]) > 0
    assert count_rows(engine, Comment) == 3
    assert post(client, reader, "On another article.", article="other").status_code == 201


def test_daily_caps_per_kind_and_moderators_are_exempt(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    change(client, admin, daily_caps={"comments": 2, "replies": 1, "per_article": None})
    parent = post(client, reader, "First of the day.", article="a").json()["id"]
    assert post(client, reader, "Second of the day.", article="b").status_code == 201
    third = post(client, reader, "Third of the day.", article="c")
    assert (third.status_code, third.json()["scope"], third.json()["limit"]) == (
        429,
        "comments",
        2,
    )

    assert post(client, reader, "A reply.", article="a", parent_id=parent).status_code == 201
    second_reply = post(client, reader, "Another reply.", article="a", parent_id=parent)
    assert (second_reply.status_code, second_reply.json()["scope"]) == (429, "replies")

    for n in range(4):
        assert post(client, moderator, f"Moderator note {n}.", article="a").status_code == 201


def test_two_posts_at_the_last_place_of_a_cap_store_one(
    client: TestClient, reader: SignedIn, admin: SignedIn, engine: Engine
) -> None:
    change(client, admin, daily_caps={"per_article": 1})

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda n: post(client, reader, f"Racing post {n}."), range(2)))

    assert sorted(a.status_code for a in answers) == [201, 429]
    assert count_rows(engine, Comment) == 1


# History, the cool-down ------------------------------------------------------------------------


def test_an_author_often_rejected_is_held_until_the_rate_falls(
    client: TestClient, reader: SignedIn, moderator: SignedIn, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        register_article(session, ARTICLE)
        old = [
            Comment(
                article_id=ARTICLE,
                author_id=reader.id,
                body=f"old {n}",
                status=CommentStatus.REJECTED if n < 1 else CommentStatus.PUBLISHED,
            )
            for n in range(6)
        ]
        session.add_all(old)
        session.flush()
        for comment in old:
            count_new(session, comment)
        session.commit()
    assert post(client, reader, "Rate is 1 of 6.", article="h1").json()["status"] == "published"

    with Session(engine) as session:
        for taken_down in old[1:3]:
            decided = session.get(Comment, taken_down.id)
            assert decided is not None
            change_status(
                session, decided, CommentStatus.REJECTED, reason="spam", actor_id=moderator.id
            )
        session.commit()
    held = post(client, reader, "Rate is now 3 of 7.", article="h2").json()

    assert (held["status"], held["status_reason"]) == ("held", "history")
    assert note_of(engine, held["id"]) == "3 of 7 rejected in 30 days"
    drawer = client.get(f"/v1/admin/users/{reader.id}", headers=moderator.headers).json()
    assert drawer["history"] == {
        "days": 30,
        "decided": 7,
        "rejected": 3,
        "rejected_rate": round(3 / 7, 4),
        "holds": True,
    }
    assert drawer["caps_today"] == {"comments": 2, "article:h1": 1, "article:h2": 1}


def test_a_new_account_waits_out_the_cool_down(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn, engine: Engine
) -> None:
    change(client, admin, new_account_cooldown_minutes=10)

    response = post(client, reader, "My first comment.")
    assert response.status_code == 403
    assert response.json()["error"] == "account_too_new"
    assert 590 <= response.json()["retry_after"] <= 600
    assert post(client, moderator, "Moderators are trusted.").status_code == 201

    with Session(engine) as session:
        session.execute(
            update(User)
            .where(col(User.id) == reader.id)
            .values(created_at=utcnow() - timedelta(minutes=11))
        )
        session.commit()
    assert post(client, reader, "My first comment.").status_code == 201


# The external hook -------------------------------------------------------------------------------


SECRET = "whsec_newsroom-checker-secret"


def hook(client: TestClient, admin: SignedIn, receiver: Receiver, **extra: Any) -> None:
    shown = change(
        client,
        admin,
        external_moderation={"url": receiver.url(), "secret": SECRET, "timeout_ms": 2000, **extra},
    )
    assert "secret" not in shown["external_moderation"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"action": "reject", "reason": "akismet", "note": "known spammer"}, "rejected"),
        ({"action": "hold", "reason": "akismet"}, "held"),
        ({"action": "publish", "reason": "ham"}, "published"),
    ],
)
def test_the_external_hook_decides_a_comment_that_passed(
    client: TestClient,
    reader: SignedIn,
    admin: SignedIn,
    engine: Engine,
    receiver: Receiver,
    answer: dict[str, str],
    expected: str,
) -> None:
    hook(client, admin, receiver)
    receiver.answers(answer)

    response = post(client, reader, "A perfectly ordinary comment.")

    assert response.json()["status"] == expected
    [call] = receiver.received
    sent = json.loads(call.body)
    assert sent["comment"]["body"] == "A perfectly ordinary comment."
    assert sent["author"]["id"] == reader.id
    timestamp = call.headers[SIGNATURE_HEADER].split(",")[0].removeprefix("t=")
    assert call.headers[SIGNATURE_HEADER] == signature(SECRET, int(timestamp), call.body)
    note = note_of(engine, response.json()["id"])
    if expected == "published":
        assert note == "external tag: ham"
    else:
        assert response.json()["status_reason"] == "external"
        assert note is not None
        assert note.startswith("akismet")


def test_an_edit_is_sent_too(
    client: TestClient, reader: SignedIn, admin: SignedIn, receiver: Receiver
) -> None:
    comment_id = post(client, reader, "An ordinary comment.").json()["id"]
    hook(client, admin, receiver)
    receiver.answers({"action": "reject", "reason": "akismet"})

    edited = client.patch(
        f"/v1/comments/{comment_id}", json={"body": "Now with spam."}, headers=reader.headers
    )

    assert (edited.json()["status"], edited.json()["status_reason"]) == ("rejected", "external")
    assert json.loads(receiver.received[0].body)["comment"]["body"] == "Now with spam."


def test_a_comment_already_held_is_not_sent(
    client: TestClient, reader: SignedIn, admin: SignedIn, receiver: Receiver
) -> None:
    hook(client, admin, receiver)
    assert post(client, reader, "Buy at shop.example.com").json()["status"] == "held"
    assert receiver.received == []


@pytest.mark.parametrize(("on_failure", "expected"), [("hold", "held"), ("pass", "published")])
def test_a_hook_that_times_out_fails_as_the_site_chose_and_is_counted(
    client: TestClient,
    reader: SignedIn,
    admin: SignedIn,
    moderator: SignedIn,
    receiver: Receiver,
    on_failure: str,
    expected: str,
) -> None:
    hook(client, admin, receiver, timeout_ms=100, on_failure=on_failure)
    receiver.answers({"action": "publish"}, delay=1.0)

    response = post(client, reader, "Nobody answers in time.")

    assert response.json()["status"] == expected
    if expected == "held":
        assert response.json()["status_reason"] == "external_unavailable"
    outcomes = client.get(
        "/v1/admin/external-moderation/outcomes", headers=moderator.headers
    ).json()["days"]
    [counts] = outcomes.values()
    assert counts == {f"failed_{'held' if on_failure == 'hold' else 'passed'}": 1}


def test_the_hook_needs_a_secret_and_https_and_keeps_its_secret(
    client: TestClient, admin: SignedIn, engine: Engine, receiver: Receiver
) -> None:
    without_secret = client.put(
        "/v1/admin/settings",
        json={"external_moderation": {"url": receiver.url()}},
        headers=admin.headers,
    )
    assert without_secret.status_code == 422
    assert without_secret.json()["error"] == "external_hook_refused"
    plain_http = client.put(
        "/v1/admin/settings",
        json={"external_moderation": {"url": "http://moderation.example.com", "secret": SECRET}},
        headers=admin.headers,
    )
    assert plain_http.json()["error"] == "external_hook_refused"
    private = client.put(
        "/v1/admin/settings",
        json={"external_moderation": {"url": "https://10.0.0.5/check", "secret": SECRET}},
        headers=admin.headers,
    )
    assert private.json()["error"] == "external_hook_refused"

    hook(client, admin, receiver)
    shown = change(client, admin, external_moderation={"timeout_ms": 500})
    assert shown["external_moderation"] == {
        "url": receiver.url(),
        "timeout_ms": 500,
        "on_failure": "hold",
    }
    with Session(engine) as session:
        logged = json.dumps([e.detail for e in session.exec(select(AuditEvent)).all()])
    assert SECRET not in logged
    assert change(client, admin, external_moderation=None)["external_moderation"] is None


def test_only_admins_change_the_spam_settings(client: TestClient, moderator: SignedIn) -> None:
    response = client.put(
        "/v1/admin/settings", json={"daily_caps": {"comments": 1}}, headers=moderator.headers
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "invalid",
    [
        {"links": {"deny_domains": ["not a domain"]}},
        {"links": {"action": "sometimes"}},
        {"repeats": {"coordinated_accounts": 1}},
        {"repeats": {"similarity": 0.2}},
        {"daily_caps": {"comments": 0}},
        {"history_hold": {"rejected_rate": 0}},
    ],
)
def test_invalid_spam_settings_are_refused(
    client: TestClient, admin: SignedIn, invalid: dict[str, Any]
) -> None:
    response = client.put("/v1/admin/settings", json=invalid, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["error"] in {
        "validation_error",
        "conflicting_settings",
        "invalid_domain",
    }
