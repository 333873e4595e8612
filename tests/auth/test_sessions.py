"""Sessions: Bearer and cookie, expiry, revocation, hashing, and CSRF on cookie writes."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from auth.models import AuthSession, User, UserStatus
from auth.sessions import hash_token
from service.core.db import utcnow
from service.core.settings import Settings
from tests.support.factories import ARTICLE, CIVIL, FRONTEND_ORIGIN, SignedIn

COOKIE = "commentmod_session"
COMMENTS = f"/v1/articles/{ARTICLE}/comments"


def test_me_describes_the_signed_in_user(client: TestClient, reader: SignedIn) -> None:
    response = client.get("/v1/me", headers=reader.headers)

    assert response.status_code == 200
    assert response.json() == {
        "id": reader.id,
        "display_name": "Min-jun Reader",
        "avatar_url": None,
        "role": "reader",
        "status": "active",
        "can_moderate": False,
        "identities": [],
        "history_hidden": False,
    }


def test_the_database_holds_only_the_token_hash(reader: SignedIn, engine: Engine) -> None:
    with Session(engine) as session:
        stored = session.exec(select(AuthSession)).one()

    assert stored.token_hash == hash_token(reader.token)
    assert reader.token not in stored.token_hash


def test_an_expired_session_is_refused(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    with Session(engine) as session:
        session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()

    response = client.get("/v1/me", headers=reader.headers)

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_logout_revokes_the_token(client: TestClient, reader: SignedIn) -> None:
    assert client.post("/v1/auth/logout", headers=reader.headers).status_code == 204

    assert client.get("/v1/me", headers=reader.headers).status_code == 401


@pytest.mark.parametrize("used_by", ["reading /v1/me", "posting a comment"])
def test_use_is_recorded(
    client: TestClient, reader: SignedIn, engine: Engine, used_by: str
) -> None:
    if used_by == "posting a comment":
        response = client.post(COMMENTS, json={"body": CIVIL}, headers=reader.headers)
    else:
        response = client.get("/v1/me", headers=reader.headers)

    assert response.is_success
    with Session(engine) as session:
        assert session.exec(select(AuthSession)).one().last_used_at is not None


class TestCookieSessions:
    @pytest.fixture
    def browser(self, client: TestClient, reader: SignedIn) -> TestClient:
        client.cookies.set(COOKIE, reader.token)
        return client

    def test_reads_need_no_csrf_header(self, browser: TestClient) -> None:
        assert browser.get("/v1/me").status_code == 200

    def test_a_write_from_the_allowed_site_with_the_header_is_accepted(
        self, browser: TestClient
    ) -> None:
        response = browser.post(
            COMMENTS,
            json={"body": CIVIL},
            headers={"Origin": FRONTEND_ORIGIN, "X-Requested-With": "XMLHttpRequest"},
        )

        assert response.status_code == 201

    def test_the_referer_stands_in_for_a_missing_origin(self, browser: TestClient) -> None:
        response = browser.post(
            COMMENTS,
            json={"body": CIVIL},
            headers={"Referer": f"{FRONTEND_ORIGIN}/news/1", "X-Requested-With": "fetch"},
        )

        assert response.status_code == 201

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"X-Requested-With": "XMLHttpRequest"},
            {"Origin": "https://evil.example", "X-Requested-With": "XMLHttpRequest"},
            {"Origin": f"{FRONTEND_ORIGIN}.evil.example", "X-Requested-With": "XMLHttpRequest"},
            {"Origin": "null", "X-Requested-With": "XMLHttpRequest"},
            {"Origin": FRONTEND_ORIGIN},
        ],
    )
    def test_other_writes_are_refused_as_csrf(
        self, browser: TestClient, headers: dict[str, str]
    ) -> None:
        response = browser.post(COMMENTS, json={"body": CIVIL}, headers=headers)

        assert response.status_code == 403
        assert response.json()["error"] == "csrf_failed"

    def test_a_forged_write_learns_nothing_about_its_comment(self, browser: TestClient) -> None:
        response = browser.post(COMMENTS, json={"body": "x" * 251})

        assert (response.status_code, response.json()["error"]) == (403, "csrf_failed")

    def test_bearer_writes_need_no_csrf_header(
        self, browser: TestClient, other_reader: SignedIn
    ) -> None:
        response = browser.post(COMMENTS, json={"body": CIVIL}, headers=other_reader.headers)

        assert response.status_code == 201
        assert response.json()["author"]["id"] == other_reader.id

    def test_logout_clears_the_cookie(self, browser: TestClient) -> None:
        response = browser.post(
            "/v1/auth/logout",
            headers={"Origin": FRONTEND_ORIGIN, "X-Requested-With": "XMLHttpRequest"},
        )

        assert response.status_code == 204
        assert f"{COOKIE}=" in response.headers["set-cookie"]
        assert "Max-Age=0" in response.headers["set-cookie"]


def test_the_revoked_token_is_revoked_in_the_database(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    client.post("/v1/auth/logout", headers=reader.headers)

    with Session(engine) as session:
        stored = session.exec(select(AuthSession)).one()
    assert stored.revoked_at is not None


def test_an_unparsable_referer_is_a_csrf_failure_not_a_crash(
    client: TestClient, reader: SignedIn
) -> None:
    client.cookies.set(COOKIE, reader.token)

    response = client.post(
        COMMENTS, json={"body": CIVIL}, headers={"Referer": "http://[", "X-Requested-With": "x"}
    )

    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"


@pytest.mark.parametrize("origins", ["*", "https://www.example.com/path", "www.example.com"])
def test_allowed_origins_must_be_exact_origins(origins: str) -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        Settings(allowed_origins=origins)


def test_a_suspended_moderator_cannot_moderate(
    client: TestClient, moderator: SignedIn, engine: Engine
) -> None:
    with Session(engine) as session:
        session.execute(update(User).values(status=UserStatus.SUSPENDED))
        session.commit()

    response = client.get("/v1/admin/queue", headers=moderator.headers)

    assert response.status_code == 403


def test_allowed_origins_are_kept_as_browsers_write_them() -> None:
    settings = Settings(allowed_origins="https://WWW.Example.com:443, http://[::1]:8000")

    assert settings.allowed_origins == ["https://www.example.com", "http://[::1]:8000"]
