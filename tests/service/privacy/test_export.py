"""GET /v1/me/export: everything kept about the reader, nothing of anyone else's, never a
token; streamed page by page; a ZIP when large or asked for; five an hour."""

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from auth.models import User
from auth.sessions import issue_session
from service.core.settings import Settings
from service.privacy import export
from service.privacy.schemas import DataExport
from tests.support.factories import SignedIn, post, published, report, seed_comments

EDITED = "On reflection, a fair report on the summit."
NOTICE = {
    "kind": "rights_infringement",
    "explanation": "This comment repeats a false claim about me that damages my reputation.",
    "legal_ground": "Criminal Act Art. 307 (defamation)",
    "notifier_name": "Kim Min-seo",
    "notifier_email": "minseo@example.kr",
    "good_faith": True,
}


def exported(client: TestClient, who: SignedIn, **params: str) -> dict[str, Any]:
    response = client.get("/v1/me/export", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "no-store" in response.headers["cache-control"]
    document: dict[str, Any] = response.json()
    DataExport.model_validate(document)
    return document


def test_an_export_holds_what_is_kept_about_the_reader_and_nothing_of_others(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    mine = published(client, reader, "The first version of my comment on the summit.")
    edited = client.patch(f"/v1/comments/{mine}", json={"body": EDITED}, headers=reader.headers)
    assert edited.status_code == 200, edited.text
    theirs = published(client, other_reader, "Another reader's reply, not mine.", parent_id=mine)
    reply = published(client, reader, "My answer to that reply.", parent_id=theirs)
    assert report(client, reader, theirs, reason="spam").status_code == 201
    liked = client.put(
        f"/v1/comments/{theirs}/reaction", json={"kind": "like"}, headers=reader.headers
    )
    assert liked.status_code == 200, liked.text
    muted = client.put(f"/v1/me/muted/{other_reader.id}", headers=reader.headers)
    assert muted.status_code == 200, muted.text
    noticed = client.post(f"/v1/comments/{theirs}/notices", json=NOTICE, headers=reader.headers)
    assert noticed.status_code == 201, noticed.text
    rejected = client.post(
        f"/v1/admin/comments/{reply}/reject",
        json={"reason": "offensive", "expected_status": "published"},
        headers=moderator.headers,
    )
    assert rejected.status_code == 200, rejected.text
    appealed = client.post(
        f"/v1/comments/{reply}/appeals",
        json={"explanation": "My answer was civil; please look again."},
        headers=reader.headers,
    )
    assert appealed.status_code == 201, appealed.text

    document = exported(client, reader)

    assert document["format"] == "commentmod-export/1"
    assert document["profile"]["id"] == reader.id
    assert [c["id"] for c in document["comments"]] == [mine, reply]
    first = document["comments"][0]
    assert first["body"] == EDITED
    assert [r["body"] for r in first["revisions"]] == [
        "The first version of my comment on the summit."
    ]
    assert first["scores"]
    assert first["model_id"]
    assert document["comments"][1]["status"] == "rejected"
    assert [(r["comment_id"], r["reason"]) for r in document["reports"]] == [(theirs, "spam")]
    assert [(r["comment_id"], r["kind"]) for r in document["reactions"]] == [(theirs, "like")]
    assert [m["muted_user_id"] for m in document["muted"]] == [other_reader.id]
    assert [n["notifier_email"] for n in document["notices"]] == ["minseo@example.kr"]
    assert [s["comment_id"] for s in document["statements"]] == [reply]
    assert [a["comment_id"] for a in document["appeals"]] == [reply]
    assert any(n["kind"] == "statement" for n in document["notifications"])
    assert len(document["sessions"]) == 1
    raw = json.dumps(document)
    assert "Another reader's reply" not in raw
    assert reader.token not in raw
    assert "token_hash" not in raw
    assert "decided_by" not in raw  # which moderator decided is not the reader's data


def test_another_readers_export_holds_only_theirs(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    published(client, reader)

    document = exported(client, other_reader)

    assert document["profile"]["id"] == other_reader.id
    assert document["comments"] == []


def test_the_export_is_read_a_page_at_a_time(
    client: TestClient, engine: Engine, reader: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page is its own unit of work: none holds more than `PAGE` comments."""
    author_id, ids = seed_comments(engine, *(f"comment number {n}" for n in range(23)))
    monkeypatch.setattr(export, "PAGE", 5)
    pages: list[int] = []
    read_page = export.read_page

    def counted(*args: Any, **kwargs: Any) -> list[Any]:
        rows = read_page(*args, **kwargs)
        if args[1].name == "comments":
            pages.append(len(rows))
        return rows

    monkeypatch.setattr(export, "read_page", counted)
    headers = {"Authorization": f"Bearer {seeded_token(engine, author_id)}"}

    response = client.get("/v1/me/export", headers=headers)

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["comments"]] == ids
    assert pages == [5, 5, 5, 5, 3]


def seeded_token(engine: Engine, user_id: int) -> str:
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        token = issue_session(session, user, lifetime=timedelta(hours=1))
        session.commit()
    return token


def test_a_large_export_is_a_zip_of_the_same_document(
    client: TestClient, reader: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        assert post(client, reader, f"Comment {n} on the harbour budget.").status_code == 201
    monkeypatch.setattr("service.privacy.router.ZIP_ABOVE", 2)

    response = client.get("/v1/me/export", headers=reader.headers)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].endswith('.zip"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["commentmod-export.json"]
        document = json.loads(archive.read("commentmod-export.json"))
    DataExport.model_validate(document)
    assert len(document["comments"]) == 3
    as_json = client.get("/v1/me/export", params={"format": "json"}, headers=reader.headers)
    assert as_json.headers["content-type"] == "application/json"


def test_a_zip_can_be_asked_for(client: TestClient, reader: SignedIn) -> None:
    response = client.get("/v1/me/export", params={"format": "zip"}, headers=reader.headers)

    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"export_rate_limits": "2/hour"})


def test_exports_are_rate_limited_per_reader(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    for _ in range(2):
        assert client.get("/v1/me/export", headers=reader.headers).status_code == 200

    refused = client.get("/v1/me/export", headers=reader.headers)

    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert client.get("/v1/me/export", headers=other_reader.headers).status_code == 200


def test_an_anonymous_caller_gets_no_export(client: TestClient) -> None:
    response = client.get("/v1/me/export")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
