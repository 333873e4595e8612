"""The console's sign-in with an API token: the token goes into the HttpOnly session cookie,
only from the service's own pages, for no longer than the token lives."""

import pytest
from fastapi.testclient import TestClient

from auth.login import safe_next
from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.core.settings import Settings
from tests.support.factories import FRONTEND_ORIGIN, SignedIn

CONSOLE = "http://127.0.0.1:8000"  # the service's own origin: `public_url` of the test settings
FROM_CONSOLE = {"Origin": CONSOLE, "X-Requested-With": "commentmod"}


def test_a_token_becomes_the_session_cookie(
    client: TestClient, moderator: SignedIn, settings: Settings
) -> None:
    answer = client.post("/v1/auth/token", json={"token": moderator.token}, headers=FROM_CONSOLE)
    assert answer.status_code == 204
    assert answer.cookies[settings.session_cookie_name] == moderator.token
    set_cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    max_age = int(set_cookie.split("max-age=")[1].split(";")[0])
    assert 86_000 < max_age <= 86_400  # what is left of the day-long token, not 30 days

    client.cookies.set(settings.session_cookie_name, moderator.token)  # Secure: sent by hand
    assert client.get("/v1/me").json()["id"] == moderator.id
    queue = client.post(
        "/v1/admin/comments:bulk", json={"ids": [1], "action": "approve"}, headers=FROM_CONSOLE
    )
    assert queue.status_code == 200  # cookie writes from the console pass the CSRF check

    assert client.post("/v1/auth/logout", headers=FROM_CONSOLE).status_code == 204
    client.cookies.clear()
    gone = client.get("/v1/me", headers=moderator.headers)
    assert gone.status_code == 401  # signing out of the browser revoked the token it was given


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Requested-With": "x"},
        {"Origin": "https://evil.example", "X-Requested-With": "x"},
        {"Origin": FRONTEND_ORIGIN, "X-Requested-With": "x"},  # trusted for comments, not this
        {"Referer": f"{CONSOLE}/admin/", "X-Requested-With": "x"},  # Origin it must be
        {"Origin": CONSOLE},
    ],
)
def test_only_the_services_own_page_may_put_a_token_in_the_cookie(
    client: TestClient, moderator: SignedIn, headers: dict[str, str]
) -> None:
    answer = client.post("/v1/auth/token", json={"token": moderator.token}, headers=headers)
    assert (answer.status_code, answer.json()["error"]) == (403, "csrf_failed")
    assert "set-cookie" not in answer.headers


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
