"""Word lists and runtime settings through the admin API: admins change them, the pipeline obeys."""

import pytest
from fastapi.testclient import TestClient

from tests.support.factories import CIVIL, SignedIn, audit, post


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
    statement, created = audit(client, moderator, comment_id=banned.json()["id"])
    assert created["note"] == "matched 'scumbag'"
    assert (statement["action"], statement["actor_id"]) == ("statement_of_reasons", None)


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

    for bad, code in (
        ({"hold_thresholds": {"rudeness": 0.5}}, "validation_error"),
        ({"hold_thresholds": {"toxicity": 1.5}}, "validation_error"),
        ({"auto_reject_threshold": 0.5}, "conflicting_settings"),  # below the hold threshold
        ({"new_commenter_premoderation": -1}, "validation_error"),
    ):
        response = client.put("/v1/admin/settings", json=bad, headers=admin.headers)
        assert (response.status_code, response.json()["error"]) == (422, code)
    forbidden = client.put("/v1/admin/settings", json={"nudge": False}, headers=moderator.headers)
    assert forbidden.status_code == 403

    changed = client.put(
        "/v1/admin/settings",
        json={"hold_thresholds": {"toxicity": 0.001}, "nudge": False},
        headers=admin.headers,
    )
    assert changed.status_code == 200
    assert changed.json()["hold_thresholds"] == {
        **defaults["hold_thresholds"],
        "toxicity": 0.001,
    }  # thresholds merge per attribute (they used to replace the whole map)

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


def test_an_invalid_setting_is_explained_in_one_line(client: TestClient, admin: SignedIn) -> None:
    response = client.put(
        "/v1/admin/settings",
        json={"hold_thresholds": {"toxicity": 1.5}},
        headers=admin.headers,
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": "validation_error",
        "detail": "hold_thresholds.toxicity: Input should be less than or equal to 1",
    }


def test_a_partial_threshold_update_keeps_the_other_holds(
    client: TestClient, reader: SignedIn, admin: SignedIn
) -> None:
    """Setting one attribute's threshold never switches the toxicity hold off."""
    changed = client.put(
        "/v1/admin/settings", json={"hold_thresholds": {"threat": 0.5}}, headers=admin.headers
    )

    assert changed.json()["hold_thresholds"]["threat"] == 0.5
    assert changed.json()["hold_thresholds"]["toxicity"] == 0.8
    nudged = post(client, reader, "You are a pathetic idiot and everyone hates you")
    assert (nudged.status_code, nudged.json()["error"]) == (422, "toxic_comment")


def test_null_is_refused_except_where_it_means_off(client: TestClient, admin: SignedIn) -> None:
    for field in ("hold_thresholds", "new_commenter_premoderation", "commenting_enabled", "nudge"):
        refused = client.put("/v1/admin/settings", json={field: None}, headers=admin.headers)
        assert refused.status_code == 422
        assert refused.json() == {
            "error": "validation_error",
            "detail": f"{field}: Value error, null is not a value here; leave the field out to "
            "keep its value",
        }

    on = client.put(
        "/v1/admin/settings", json={"auto_reject_threshold": 0.95}, headers=admin.headers
    )
    off = client.put(
        "/v1/admin/settings", json={"auto_reject_threshold": None}, headers=admin.headers
    )

    assert on.json()["auto_reject_threshold"] == 0.95
    assert off.json()["auto_reject_threshold"] is None


@pytest.mark.parametrize(
    "loose",
    [
        {"nudge": 0},
        {"commenting_enabled": "false"},
        {"new_commenter_premoderation": True},
        {"new_commenter_premoderation": 1.5},
        {"hold_thresholds": {"toxicity": True}},
        {"hold_thresholds": {"toxicity": "0.5"}},
    ],
)
def test_values_are_not_coerced(
    client: TestClient, admin: SignedIn, loose: dict[str, object]
) -> None:
    response = client.put("/v1/admin/settings", json=loose, headers=admin.headers)

    assert (response.status_code, response.json()["error"]) == (422, "validation_error")


def test_a_number_without_a_fraction_is_the_integer_it_spells(
    client: TestClient, admin: SignedIn
) -> None:
    """`2.0` is an integer to JSON Schema, so to the document, and to Python's `json` module."""
    response = client.put(
        "/v1/admin/settings", json={"new_commenter_premoderation": 2.0}, headers=admin.headers
    )

    assert (response.status_code, response.json()["new_commenter_premoderation"]) == (200, 2)


def test_the_document_offers_no_null_where_it_is_refused(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["SettingsUpdate"]

    offered = {name: "anyOf" in field for name, field in schema["properties"].items()}
    assert offered == {
        "hold_thresholds": False,
        "auto_reject_threshold": True,
        "new_commenter_premoderation": False,
        "commenting_enabled": False,
        "nudge": False,
        "links": False,
        "repeats": False,
        "daily_caps": False,
        "reactions": False,
        "history_hold": True,
        "new_account_cooldown_minutes": False,
        "external_moderation": True,
    }
    assert schema["properties"]["hold_thresholds"]["propertyNames"]["enum"][0] == "toxicity"
