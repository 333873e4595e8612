"""The moderation workflow through the HTTP API: reports, replies, edits, word lists, settings,
sanctions, queues, bulk decisions and the audit log."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from auth.models import Role
from service.db import utcnow
from tests.api.test_comments import ARTICLE, CIVIL, TOXIC, post
from tests.conftest import SignedIn, sign_in


@pytest.fixture
def admin(engine: Engine) -> SignedIn:
    return sign_in(engine, "Desk Chief", Role.ADMIN)


def published(client: TestClient, who: SignedIn, body: str = CIVIL, **extra: Any) -> int:
    response = post(client, who, body, **extra)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "published"
    comment_id: int = response.json()["id"]
    return comment_id


def held(client: TestClient, who: SignedIn, body: str = TOXIC) -> int:
    response = post(client, who, body, acknowledge_toxicity=True)
    assert response.json()["status"] == "held", response.text
    comment_id: int = response.json()["id"]
    return comment_id


def queue_ids(client: TestClient, moderator: SignedIn, **params: Any) -> list[int]:
    response = client.get("/v1/admin/queue", params=params, headers=moderator.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def audit(client: TestClient, moderator: SignedIn, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/admin/audit", params=params, headers=moderator.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def report(client: TestClient, who: SignedIn, comment_id: int, reason: str = "abuse") -> Any:
    return client.post(
        f"/v1/comments/{comment_id}/reports", json={"reason": reason}, headers=who.headers
    )


# --- reports -------------------------------------------------------------------------------


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


# --- replies -------------------------------------------------------------------------------


def test_replies_are_counted_for_threading(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    parent_id = published(client, reader)
    published(client, other_reader, "I agree.", parent_id=parent_id)
    published(client, other_reader, "Also: sources?", parent_id=parent_id)

    items = client.get(f"/v1/articles/{ARTICLE}/comments").json()["items"]

    parent = next(c for c in items if c["id"] == parent_id)
    assert parent["reply_count"] == 2
    assert {c["parent_id"] for c in items if c["id"] != parent_id} == {parent_id}


def test_no_reply_to_a_rejected_or_deleted_comment(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    rejected_id = published(client, reader)
    client.post(
        f"/v1/admin/comments/{rejected_id}/reject",
        json={"reason": "off_topic", "expected_status": "published"},
        headers=moderator.headers,
    )
    deleted_id = published(client, reader, "Another thought.")
    client.delete(f"/v1/comments/{deleted_id}", headers=reader.headers)

    for parent_id in (rejected_id, deleted_id):
        response = post(client, other_reader, "Reply", parent_id=parent_id)
        assert (response.status_code, response.json()["error"]) == (409, "parent_unavailable")


# --- edits ---------------------------------------------------------------------------------


def test_an_edit_is_scored_again_and_the_old_text_kept(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    url = f"/v1/comments/{comment_id}"

    nudged = client.patch(url, json={"body": TOXIC}, headers=reader.headers)
    assert (nudged.status_code, nudged.json()["error"]) == (422, "toxic_comment")

    edited = client.patch(
        url, json={"body": TOXIC, "acknowledge_toxicity": True}, headers=reader.headers
    )
    assert edited.status_code == 200
    assert (edited.json()["status"], edited.json()["status_reason"]) == ("held", "toxic")
    assert edited.json()["edited_at"] is not None

    fixed = client.patch(
        url, json={"body": "On reflection, a fair report."}, headers=reader.headers
    )
    assert fixed.json()["status"] == "published"

    detail = client.get(f"/v1/admin/comments/{comment_id}", headers=moderator.headers).json()
    assert [(r["body"], r["status"]) for r in detail["revisions"]] == [
        (CIVIL, "published"),
        (TOXIC, "held"),
    ]
    assert [a["action"] for a in detail["actions"]] == ["created", "edited", "edited"]


def test_only_the_author_edits_and_only_while_allowed(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    url = f"/v1/comments/{comment_id}"

    other = client.patch(url, json={"body": "hijack"}, headers=other_reader.headers)
    assert (other.status_code, other.json()["error"]) == (403, "forbidden")

    client.post(
        f"/v1/admin/comments/{comment_id}/reject",
        json={"reason": "spam", "expected_status": "published"},
        headers=moderator.headers,
    )
    rejected = client.patch(url, json={"body": "let me fix it"}, headers=reader.headers)
    assert (rejected.status_code, rejected.json()["error"]) == (409, "invalid_transition")


class TestEditWindow:
    @pytest.fixture
    def settings(self, settings):  # type: ignore[no-untyped-def]
        return settings.model_copy(update={"edit_window": 0})

    def test_after_the_window_an_edit_is_refused(
        self, client: TestClient, reader: SignedIn
    ) -> None:
        comment_id = published(client, reader)

        response = client.patch(
            f"/v1/comments/{comment_id}", json={"body": "later"}, headers=reader.headers
        )

        assert (response.status_code, response.json()["error"]) == (409, "edit_window_closed")


# --- a reader's own comments ---------------------------------------------------------------


def test_authors_see_their_held_and_rejected_comments_with_the_reason(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    published(client, reader)
    held_id = held(client, reader)
    rejected_id = published(client, reader, "Buy cheap watches at my shop")
    client.post(
        f"/v1/admin/comments/{rejected_id}/reject",
        json={"reason": "spam", "expected_status": "published"},
        headers=moderator.headers,
    )

    mine = client.get("/v1/me/comments", headers=reader.headers).json()["items"]
    on_article = client.get(f"/v1/articles/{ARTICLE}/comments", headers=reader.headers).json()
    as_other = client.get(f"/v1/articles/{ARTICLE}/comments", headers=other_reader.headers).json()

    assert [(c["status"], c["status_reason"]) for c in mine] == [
        ("rejected", "spam"),
        ("held", "toxic"),
        ("published", None),
    ]
    assert {c["id"] for c in on_article["items"]} >= {held_id, rejected_id}
    assert {c["id"] for c in as_other["items"]}.isdisjoint({held_id, rejected_id})


# --- word lists and settings ---------------------------------------------------------------


def test_a_banned_word_rejects_and_a_suspect_word_holds(
    client: TestClient, reader: SignedIn, admin: SignedIn, moderator: SignedIn
) -> None:
    for name, words in (("banned", ["scumbag"]), ("suspect", ["traitor", "매국노"])):
        added = client.post(
            f"/v1/admin/wordlists/{name}", json={"words": words}, headers=admin.headers
        )
        assert added.status_code == 200, added.text

    banned = post(client, reader, "The minister is a s.c.u.m.b.a.g")
    suspect = post(client, reader, "이 매국노들")

    assert banned.status_code == 201
    assert (banned.json()["status"], banned.json()["status_reason"]) == ("rejected", "banned_word")
    assert (suspect.json()["status"], suspect.json()["status_reason"]) == ("held", "suspect_word")
    (action,) = audit(client, moderator, comment_id=banned.json()["id"])
    assert action["note"] == "matched 'scumbag'"


def test_word_lists_are_managed_by_admins(
    client: TestClient, admin: SignedIn, moderator: SignedIn
) -> None:
    url = "/v1/admin/wordlists/banned"

    added = client.post(
        url, json={"words": ["Scumbag", " scumbag ", "Go  Die"]}, headers=admin.headers
    )
    assert added.json() == {"words": ["scumbag", "go die"], "added": ["scumbag", "go die"]}
    assert client.get(url, headers=moderator.headers).json() == {"words": ["scumbag", "go die"]}

    refused = client.post(url, json={"words": ["x"]}, headers=moderator.headers)
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    invalid = client.post(url, json={"words": ["!!!"]}, headers=admin.headers)
    assert (invalid.status_code, invalid.json()["error"]) == (422, "invalid_word")
    assert client.get("/v1/admin/wordlists/other", headers=admin.headers).status_code == 422

    assert client.delete(f"{url}/SCUMBAG", headers=admin.headers).status_code == 204
    assert client.delete(f"{url}/scumbag", headers=admin.headers).status_code == 404
    assert client.get(url, headers=admin.headers).json() == {"words": ["go die"]}
    actions = [a["action"] for a in audit(client, admin, actor_id=admin.id)]
    assert actions == ["banned_word_removed", "banned_words_added"]


def test_settings_are_validated_persisted_and_audited(
    client: TestClient, reader: SignedIn, admin: SignedIn, moderator: SignedIn
) -> None:
    defaults = client.get("/v1/admin/settings", headers=moderator.headers).json()
    assert defaults["hold_thresholds"]["toxicity"] == 0.8
    assert defaults["nudge"] is True

    for bad in (
        {"hold_thresholds": {"rudeness": 0.5}},
        {"hold_thresholds": {"toxicity": 1.5}},
        {"auto_reject_threshold": 0.5},
        {"new_commenter_premoderation": -1},
    ):
        response = client.put("/v1/admin/settings", json=bad, headers=admin.headers)
        assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    forbidden = client.put("/v1/admin/settings", json={"nudge": False}, headers=moderator.headers)
    assert forbidden.status_code == 403

    changed = client.put(
        "/v1/admin/settings",
        json={"hold_thresholds": {"toxicity": 0.001}, "nudge": False},
        headers=admin.headers,
    )
    assert changed.status_code == 200
    assert changed.json()["hold_thresholds"] == {"toxicity": 0.001}

    assert post(client, reader, CIVIL).json()["status"] == "held"
    (change,) = audit(client, moderator, actor_id=admin.id)
    assert change["action"] == "settings_changed"
    assert change["detail"]["before"]["nudge"] is True
    assert change["detail"]["after"]["nudge"] is False


def test_the_site_wide_switch(client: TestClient, reader: SignedIn, admin: SignedIn) -> None:
    client.put("/v1/admin/settings", json={"commenting_enabled": False}, headers=admin.headers)

    response = post(client, reader, CIVIL)

    assert (response.status_code, response.json()["error"]) == (503, "commenting_disabled")


def test_new_commenters_are_held_until_one_is_approved(
    client: TestClient, reader: SignedIn, admin: SignedIn, moderator: SignedIn
) -> None:
    client.put("/v1/admin/settings", json={"new_commenter_premoderation": 1}, headers=admin.headers)

    first = post(client, reader, CIVIL).json()
    client.post(f"/v1/admin/comments/{first['id']}/approve", headers=moderator.headers)
    second = post(client, reader, "And a second thought.").json()

    assert (first["status"], first["status_reason"]) == ("held", "new_commenter")
    assert second["status"] == "published"


def test_auto_reject_above_the_second_threshold(
    client: TestClient, reader: SignedIn, admin: SignedIn
) -> None:
    client.put("/v1/admin/settings", json={"auto_reject_threshold": 0.99}, headers=admin.headers)

    response = post(client, reader, "fuck you, you fucking idiot", acknowledge_toxicity=True)

    assert (response.json()["status"], response.json()["status_reason"]) == (
        "rejected",
        "toxic_auto_rejected",
    )


# --- articles ------------------------------------------------------------------------------


def test_closing_and_premoderating_an_article(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    url = f"/v1/admin/articles/{ARTICLE}"

    premoderated = client.patch(url, json={"premoderated": True}, headers=moderator.headers)
    assert premoderated.json() == {
        "id": ARTICLE,
        "closed": False,
        "closed_at": None,
        "premoderated": True,
    }
    assert post(client, reader, CIVIL).json()["status_reason"] == "premoderated_article"

    client.patch(url, json={"closed": True}, headers=moderator.headers)
    closed = post(client, reader, CIVIL)
    assert (closed.status_code, closed.json()["error"]) == (409, "article_closed")

    client.patch(url, json={"closed": False}, headers=reader.headers)  # readers cannot reopen
    assert post(client, reader, CIVIL).status_code == 409
    actions = audit(client, moderator, actor_id=moderator.id)
    assert [a["detail"] for a in actions] == [{"closed": True}, {"premoderated": True}]


# --- sanctions -----------------------------------------------------------------------------


def test_a_suspended_reader_is_refused_with_the_end_date(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    until = (utcnow() + timedelta(days=3)).replace(microsecond=0)

    response = client.post(
        f"/v1/admin/users/{reader.id}/suspend",
        json={"until": until.isoformat(), "reason": "repeated insults"},
        headers=moderator.headers,
    )
    refused = post(client, reader, CIVIL)

    assert response.json()["status"] == "suspended"
    assert (refused.status_code, refused.json()["error"]) == (403, "user_suspended")
    assert refused.json()["until"] == until.isoformat()

    lifted = client.delete(f"/v1/admin/users/{reader.id}/suspend", headers=moderator.headers)
    assert lifted.json()["status"] == "active"
    assert post(client, reader, CIVIL).status_code == 201


def test_ban_and_premoderation_and_the_users_history(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    published(client, reader)
    users = f"/v1/admin/users/{reader.id}"

    client.post(f"{users}/premoderate", headers=moderator.headers)
    assert post(client, reader, "Second").json()["status_reason"] == "premoderated_user"
    client.post(f"{users}/ban", json={"reason": "spam bot"}, headers=moderator.headers)
    banned = post(client, reader, "Third")
    assert (banned.status_code, banned.json()["error"]) == (403, "user_banned")

    detail = client.get(users, headers=moderator.headers).json()
    assert detail["status"] == "banned"
    assert detail["premoderated"] is True
    assert detail["comment_counts"] == {"published": 1, "held": 1}
    assert [s["action"] for s in detail["sanctions"]] == ["user_premoderate", "user_ban"]
    assert detail["sanctions"][1]["reason"] == "spam bot"


def test_sanction_authority(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> None:
    on_admin = client.post(
        f"/v1/admin/users/{admin.id}/ban", json={"reason": "x"}, headers=moderator.headers
    )
    on_self = client.post(
        f"/v1/admin/users/{moderator.id}/ban", json={"reason": "x"}, headers=moderator.headers
    )
    past = client.post(
        f"/v1/admin/users/{reader.id}/suspend",
        json={"until": "2020-01-01T00:00:00Z", "reason": "x"},
        headers=moderator.headers,
    )
    naive = client.post(
        f"/v1/admin/users/{reader.id}/suspend",
        json={"until": "2099-01-01T00:00:00", "reason": "x"},
        headers=moderator.headers,
    )
    missing = client.post("/v1/admin/users/999/ban", json={"reason": "x"}, headers=admin.headers)

    assert on_admin.status_code == on_self.status_code == 403
    assert (past.status_code, past.json()["error"]) == (422, "invalid_until")
    assert naive.status_code == 422
    assert (missing.status_code, missing.json()["error"]) == (404, "user_not_found")


# --- queues, bulk, audit -------------------------------------------------------------------


def test_queues_filter_sort_and_count(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    engine: Engine,
) -> None:
    a = held(client, reader)
    b = held(client, other_reader)
    c = held(client, reader, "what an idiot, pathetic")
    post(client, reader, "Held elsewhere, you idiot", article="AEN-2", acknowledge_toxicity=True)
    popular = published(client, reader)
    once = published(client, reader, "Another view.")
    for who in (other_reader, sign_in(engine, "Third")):
        report(client, who, popular)
    report(client, other_reader, once)

    assert queue_ids(client, moderator, article_id=ARTICLE) == [a, b, c]
    assert queue_ids(client, moderator, article_id=ARTICLE, author_id=reader.id) == [a, c]
    assert queue_ids(client, moderator, article_id=ARTICLE, sort="newest") == [c, b, a]
    assert queue_ids(client, moderator, status="reported", sort="reports") == [popular, once]
    counts = client.get("/v1/admin/queues/counts", headers=moderator.headers).json()
    assert counts["counts"] == {"held": 4, "reported": 2, "rejected": 0, "approved": 0}
    assert counts["articles"] == [
        {"article_id": ARTICLE, "held": 3, "reported": 2},
        {"article_id": "AEN-2", "held": 1, "reported": 0},
    ]
    one = client.get(
        "/v1/admin/queues/counts", params={"article_id": "AEN-2"}, headers=moderator.headers
    )
    assert one.json()["counts"]["held"] == 1


def test_bulk_decisions_report_each_result(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    first, second = held(client, reader), held(client, reader)
    approved = held(client, reader)
    client.post(f"/v1/admin/comments/{approved}/approve", headers=moderator.headers)

    response = client.post(
        "/v1/admin/comments:bulk",
        json={"ids": [first, second, approved, 999], "action": "reject", "reason": "offensive"},
        headers=moderator.headers,
    )
    no_reason = client.post(
        "/v1/admin/comments:bulk",
        json={"ids": [first], "action": "reject"},
        headers=moderator.headers,
    )

    assert response.json() == {
        "results": [
            {"id": first, "ok": True, "status": "rejected", "error": None},
            {"id": second, "ok": True, "status": "rejected", "error": None},
            # approved a moment ago by someone: not reversed without saying so
            {"id": approved, "ok": False, "status": None, "error": "invalid_transition"},
            {"id": 999, "ok": False, "status": None, "error": "comment_not_found"},
        ]
    }
    reversed_on_purpose = client.post(
        "/v1/admin/comments:bulk",
        json={
            "ids": [approved],
            "action": "reject",
            "reason": "spam",
            "expected_status": "published",
        },
        headers=moderator.headers,
    )
    assert reversed_on_purpose.json()["results"][0]["status"] == "rejected"
    assert no_reason.status_code == 422


def test_reversing_a_decision_needs_the_status_the_moderator_saw(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    url = f"/v1/admin/comments/{comment_id}"

    blind = client.post(f"{url}/reject", json={"reason": "spam"}, headers=moderator.headers)
    stale = client.post(
        f"{url}/reject",
        json={"reason": "spam", "expected_status": "held"},
        headers=moderator.headers,
    )
    meant = client.post(
        f"{url}/reject",
        json={"reason": "spam", "expected_status": "published"},
        headers=moderator.headers,
    )
    restored = client.post(
        f"{url}/approve", json={"expected_status": "rejected"}, headers=moderator.headers
    )

    assert (blind.status_code, blind.json()["error"]) == (409, "invalid_transition")
    assert "expected_status" in blind.json()["detail"]
    assert stale.status_code == 409
    assert meant.json()["status"] == "rejected", meant.json()
    assert restored.json()["status"] == "published"


def test_reject_everything_by_one_author(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    mine = [published(client, reader), held(client, reader)]
    theirs = published(client, other_reader)

    response = client.post(
        f"/v1/admin/users/{reader.id}/comments:reject",
        json={"reason": "spam"},
        headers=moderator.headers,
    )

    assert [r["id"] for r in response.json()["results"]] == mine
    assert all(r["ok"] for r in response.json()["results"])
    remaining = client.get(f"/v1/articles/{ARTICLE}/comments").json()["items"]
    assert [c["id"] for c in remaining] == [theirs]


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


def test_the_newsroom_day_from_the_issue(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    """A toxic comment is nudged, then held after acknowledgement; a report puts a published
    comment in `reported`; two comments are bulk-rejected and their author suspended; a banned
    word is rejected with its reason; every step is in the audit log with its actor."""
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
        ("status_change", moderator.id),
        ("user_suspend", moderator.id),
        ("banned_words_added", admin.id),
        ("created", None),
    ]


def test_a_banned_reader_cannot_report(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    comment_id = published(client, reader)
    client.post(
        f"/v1/admin/users/{other_reader.id}/ban", json={"reason": "x"}, headers=moderator.headers
    )

    response = report(client, other_reader, comment_id)

    assert (response.status_code, response.json()["error"]) == (403, "user_banned")
