"""The console's sign-in with an API token: the token is traded for a session cookie of the
same user, only from a trusted page, and the two live and die apart."""

import pytest
from fastapi.testclient import TestClient

from auth.login import safe_next
from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.core.settings import Settings
from tests.support.factories import FRONTEND_ORIGIN, SignedIn

CONSOLE = "http://127.0.0.1:8000"  # the service's own origin: `public_url` of the test settings
FROM_CONSOLE = {"Origin": CONSOLE, "X-Requested-With": "commentmod"}


def test_a_token_becomes_a_session_cookie_of_the_same_user(
    client: TestClient, moderator: SignedIn, settings: Settings
) -> None:
    answer = client.post("/v1/auth/token", json={"token": moderator.token}, headers=FROM_CONSOLE)
    assert answer.status_code == 204
    cookie = answer.cookies[settings.session_cookie_name]
    assert cookie != moderator.token  # a session of its own
    assert "httponly" in answer.headers["set-cookie"].lower()

    client.cookies.set(settings.session_cookie_name, cookie)  # a Secure cookie, sent by hand
    me = client.get("/v1/me")
    assert me.json()["id"] == moderator.id
    queue = client.post(
        "/v1/admin/comments:bulk", json={"ids": [1], "action": "approve"}, headers=FROM_CONSOLE
    )
    assert queue.status_code == 200  # cookie writes from the console pass the CSRF check

    assert client.post("/v1/auth/logout", headers=FROM_CONSOLE).status_code == 204
    assert client.get("/v1/me", headers=moderator.headers).status_code == 200  # token lives on


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Requested-With": "x"},
        {"Origin": "https://evil.example", "X-Requested-With": "x"},
        {"Origin": CONSOLE},
    ],
)
def test_only_a_trusted_page_may_trade_a_token(
    client: TestClient, moderator: SignedIn, headers: dict[str, str]
) -> None:
    answer = client.post("/v1/auth/token", json={"token": moderator.token}, headers=headers)
    assert (answer.status_code, answer.json()["error"]) == (403, "csrf_failed")
    assert "set-cookie" not in answer.headers


def test_a_news_site_in_the_allowlist_may_trade_one_too(
    client: TestClient, reader: SignedIn
) -> None:
    headers = {"Origin": FRONTEND_ORIGIN, "X-Requested-With": "x"}
    assert (
        client.post("/v1/auth/token", json={"token": reader.token}, headers=headers).status_code
        == 204
    )


@pytest.mark.parametrize("token", ["cm_unknown", "not-even-a-token"])
def test_an_unknown_token_is_refused_in_words(client: TestClient, token: str) -> None:
    answer = client.post("/v1/auth/token", json={"token": token}, headers=FROM_CONSOLE)
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "not_authenticated",
        "detail": "This token is unknown, expired or revoked.",
    }


def test_guessing_tokens_is_rate_limited(settings: Settings, scorer: Scorer) -> None:
    limited = settings.model_copy(update={"login_rate_limits": "3/minute"})
    with TestClient(create_app(limited, scorer=scorer)) as client:
        answers = [
            client.post("/v1/auth/token", json={"token": "cm_guess"}, headers=FROM_CONSOLE)
            for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[-1].json()["error"] == "rate_limited"


def test_after_login_a_moderator_may_land_on_the_console(settings: Settings) -> None:
    assert safe_next(f"{CONSOLE}/admin/", settings) == f"{CONSOLE}/admin/"
    assert safe_next("https://evil.example/admin/", settings) != "https://evil.example/admin/"
