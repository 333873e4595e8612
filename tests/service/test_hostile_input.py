"""Inputs an attacker (or a buggy client) sends: ids the databases cannot hold, forged cursors,
NUL and other control characters in stored text, loose types. Each gets a 4xx in the error
format on both databases, never a 500."""

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.factories import (
    ARTICLE,
    CIVIL,
    SignedIn,
    forged_cursor,
    held,
    post,
    published,
)

TOO_BIG = 2**63
BIGGEST = 2**63 - 1
BEYOND_32_BITS = 2**31


def assert_refused(response: Any, status: int, error: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error", "detail"}
    if error is not None:
        assert body["error"] == error


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/v1/admin/comments/{}"),
        ("POST", "/v1/admin/comments/{}/approve"),
        ("PATCH", "/v1/comments/{}"),
        ("DELETE", "/v1/comments/{}"),
        ("POST", "/v1/comments/{}/reports"),
        ("GET", "/v1/admin/users/{}"),
        ("POST", "/v1/admin/users/{}/comments:reject"),
    ],
)
def test_ids_in_paths(client: TestClient, moderator: SignedIn, method: str, template: str) -> None:
    body = {"body": "x", "reason": "spam"}

    def call(value: object) -> Any:
        return client.request(method, template.format(value), json=body, headers=moderator.headers)

    for missing in (BEYOND_32_BITS, BIGGEST):
        assert_refused(call(missing), 404)
    for malformed in (TOO_BIG, -1, 0, "+1", "1_000", "1.0", "0x10", "01", "00", f"0{BIGGEST}"):
        assert_refused(call(malformed), 422, "validation_error")


def test_ids_in_bodies(client: TestClient, reader: SignedIn, moderator: SignedIn) -> None:
    # A JSON number without a fraction is the integer it spells, as the document's `integer`
    # reads it; a float no longer spells every integer past 2^53.
    for missing in (BIGGEST, float(BEYOND_32_BITS)):
        assert_refused(post(client, reader, CIVIL, parent_id=missing), 409, "parent_unavailable")
    for malformed in (TOO_BIG, 0, False, True, "1", 1.5, 2.0**60):
        assert_refused(post(client, reader, CIVIL, parent_id=malformed), 422, "validation_error")

    bulk = "/v1/admin/comments:bulk"
    found = client.post(
        bulk, json={"ids": [BIGGEST], "action": "approve"}, headers=moderator.headers
    )
    assert found.json()["results"] == [
        {"id": BIGGEST, "ok": False, "status": None, "error": "comment_not_found"}
    ]
    for malformed in (TOO_BIG, False, "1"):
        refused = client.post(
            bulk, json={"ids": [malformed], "action": "approve"}, headers=moderator.headers
        )
        assert_refused(refused, 422, "validation_error")


def test_ids_in_filters(client: TestClient, moderator: SignedIn) -> None:
    for path in ("/v1/admin/queue?author_id={}", "/v1/admin/audit?actor_id={}"):
        empty = client.get(path.format(BIGGEST), headers=moderator.headers)
        assert (empty.status_code, empty.json()["items"]) == (200, [])
        assert_refused(client.get(path.format(TOO_BIG), headers=moderator.headers), 422)
        assert_refused(client.get(path.format("01"), headers=moderator.headers), 422)
    nul = client.get("/v1/admin/queue?article_id=a%00b", headers=moderator.headers)
    assert_refused(nul, 422, "validation_error")


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (f"/v1/articles/{ARTICLE}/comments", [None]),
        (f"/v1/articles/{ARTICLE}/comments", [TOO_BIG]),
        (f"/v1/articles/{ARTICLE}/comments", [True]),
        ("/v1/admin/queue?sort=toxicity", [None, 1]),
        ("/v1/admin/queue?sort=toxicity", [0.5, TOO_BIG]),
        ("/v1/admin/queue?sort=reports", ["many", 1]),
        ("/v1/admin/queue?sort=reports", [BIGGEST, -BIGGEST]),  # a 32-bit count
        ("/v1/admin/audit", [[1]]),
    ],
)
def test_forged_cursors(client: TestClient, moderator: SignedIn, path: str, key: list[Any]) -> None:
    separator = "&" if "?" in path else "?"

    response = client.get(
        f"{path}{separator}cursor={forged_cursor(key)}", headers=moderator.headers
    )

    assert_refused(response, 422, "invalid_cursor")


def test_cursors_are_only_those_issued(client: TestClient, moderator: SignedIn) -> None:
    """An id with a leading zero is JSON this API never writes; an empty cursor is none at all
    (the document says so: at least one character)."""
    zero_led = base64.urlsafe_b64encode(b"[01]").decode().rstrip("=")

    forged = client.get(f"/v1/admin/audit?cursor={zero_led}", headers=moderator.headers)
    empty = client.get("/v1/admin/audit?cursor=", headers=moderator.headers)

    assert_refused(forged, 422, "invalid_cursor")
    assert_refused(empty, 422, "validation_error")


def test_times_are_days_or_times_as_written(client: TestClient, admin: SignedIn) -> None:
    """`to=0.5` is a time to pydantic (half a second into 1970), not one a person writes: the
    transparency report's period is a day or a time in ISO 8601, as the document's pattern says,
    and a day the calendar lacks is no period."""

    def report(to: str) -> Any:
        return client.get("/v1/admin/transparency", params={"to": to}, headers=admin.headers)

    for loose in ("0.5", "1700000000", "2026-01-01 09:30", "2026-01-01T24:00", "2026-1-1"):
        assert_refused(report(loose), 422, "validation_error")
    assert_refused(report("2026-02-30"), 422, "invalid_period")
    for written in ("2026-01-01", "2026-01-01T09:30", "2026-01-01T09:30:00.5+09:00"):
        assert report(written).status_code == 200, written


NUL = "spam\u0000 here"


def test_nul_in_every_stored_text(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    comment_id = published(client, reader)
    waiting = held(client, reader)
    as_moderator = moderator.headers
    attempts = [
        post(client, reader, NUL),
        client.post(
            f"/v1/comments/{comment_id}/reports",
            json={"reason": "spam", "note": NUL},
            headers=other_reader.headers,
        ),
        client.post(
            f"/v1/admin/comments/{waiting}/approve", json={"note": NUL}, headers=as_moderator
        ),
        client.post(
            f"/v1/admin/comments/{waiting}/reject",
            json={"reason": "spam", "note": NUL},
            headers=as_moderator,
        ),
        client.post(
            "/v1/admin/comments:bulk",
            json={"ids": [waiting], "action": "approve", "note": NUL},
            headers=as_moderator,
        ),
        client.post(
            f"/v1/admin/users/{reader.id}/comments:reject",
            json={"reason": "spam", "note": NUL},
            headers=as_moderator,
        ),
        client.post(f"/v1/admin/users/{reader.id}/ban", json={"reason": NUL}, headers=as_moderator),
        client.post(
            f"/v1/admin/users/{reader.id}/suspend",
            json={"until": "2099-01-01T00:00:00Z", "reason": NUL},
            headers=as_moderator,
        ),
        client.post(
            f"/v1/admin/users/{reader.id}/premoderate", json={"reason": NUL}, headers=as_moderator
        ),
        client.delete(f"/v1/admin/users/{reader.id}/ban?reason=spam%00here", headers=as_moderator),
        client.post(
            "/v1/admin/wordlists/banned",
            json={"words": ["ab\u0000cd\u000e"]},
            headers=admin.headers,
        ),
        client.delete("/v1/admin/wordlists/banned/ab%00cd", headers=admin.headers),
    ]

    for response in attempts:
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["error"] in {"validation_error", "comment_invalid_characters"}
    assert client.get("/v1/admin/wordlists/banned", headers=admin.headers).json()["words"] == []


@pytest.mark.parametrize(
    "change",
    [{"premoderated": 0}, {"closed": "true"}, {"premoderated": None, "closed": 1}],
)
def test_no_loose_booleans(client: TestClient, moderator: SignedIn, change: dict[str, Any]) -> None:
    response = client.patch(f"/v1/admin/articles/{ARTICLE}", json=change, headers=moderator.headers)

    assert_refused(response, 422, "validation_error")


def test_lengths_count_after_normalisation(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    """U+FB2C is one character that NFC turns into three: 500 of them are 1,500 stored."""
    comment_id = published(client, reader)

    response = client.post(
        f"/v1/comments/{comment_id}/reports",
        json={"reason": "other", "note": "\ufb2c" * 500},
        headers=other_reader.headers,
    )

    assert_refused(response, 422, "validation_error")
    assert "once normalised" in response.json()["detail"]


def test_a_sanction_reason_in_a_moderators_own_words_is_kept(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    reason = "Repeated personal attacks on other readers after two warnings; see the log" * 2

    banned = client.post(
        f"/v1/admin/users/{reader.id}/ban", json={"reason": reason[:200]}, headers=moderator.headers
    )

    assert banned.status_code == 200, banned.text
    assert banned.json()["sanctions"][-1]["reason"] == reason[:200]


@pytest.mark.parametrize("until", ["9999-12-31T23:00:00-05:00", "10000-01-01T00:00:00Z"])
def test_a_suspension_beyond_the_calendar_is_refused(
    client: TestClient, reader: SignedIn, moderator: SignedIn, until: str
) -> None:
    response = client.post(
        f"/v1/admin/users/{reader.id}/suspend",
        json={"until": until, "reason": "r"},
        headers=moderator.headers,
    )

    assert_refused(response, 422, "validation_error")


@pytest.mark.parametrize("body", ["\u200d\u200c\u200d", " \u200d \n\u200c "])
def test_a_comment_of_invisible_joiners_is_empty(
    client: TestClient, reader: SignedIn, body: str
) -> None:
    assert_refused(post(client, reader, body), 422, "comment_empty")
