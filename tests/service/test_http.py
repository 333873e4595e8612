"""What every answer carries, whoever asks and whatever the route: security headers, no caching
of personal data, the methods a path allows, JSON for refusals the framework makes, and the
API's documentation from the service's own files."""

import re

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.core.settings import Settings
from tests.support.factories import ARTICLE, FRONTEND_ORIGIN, SignedIn

ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/v1/articles/{ARTICLE}/comments"),
        ("GET", "/v1/nothing-here"),
        ("POST", f"/v1/articles/{ARTICLE}/comments"),
        ("GET", "/health"),
    ],
)
def test_every_answer_carries_the_security_headers(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)

    assert {name: response.headers.get(name) for name in ALWAYS} == ALWAYS
    assert "strict-transport-security" not in response.headers  # plain http here


def test_https_answers_ask_for_https_next_time(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://comments.example-news.kr") as https:
        response = https.get(f"/v1/articles/{ARTICLE}/comments")

    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_personal_answers_are_never_stored(client: TestClient, reader: SignedIn) -> None:
    mine = client.get("/v1/me", headers=reader.headers)
    signed_in_page = client.get(f"/v1/articles/{ARTICLE}/comments", headers=reader.headers)
    anonymous_page = client.get(f"/v1/articles/{ARTICLE}/comments")
    # The news site's own cookies (analytics, consent) do not make a reader signed in.
    with_site_cookies = client.get(
        f"/v1/articles/{ARTICLE}/comments", headers={"Cookie": "consent=yes; _ga=GA1.2.3"}
    )

    assert mine.headers["cache-control"] == "private, no-store"
    assert signed_in_page.headers["cache-control"] == "private, no-store"
    public = "public, max-age=1, stale-while-revalidate=5"
    assert anonymous_page.headers["cache-control"] == public
    assert with_site_cookies.headers["cache-control"] == public
    assert {"Authorization", "Cookie"} <= {
        part.strip() for part in anonymous_page.headers["vary"].split(",")
    }


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/v1/admin/settings", "GET, PUT"),
        ("DELETE", "/v1/admin/users/1/comments:reject", "POST"),
        ("GET", "/v1/comments/1", "DELETE, PATCH"),
        ("PUT", f"/v1/articles/{ARTICLE}/comments", "GET, POST"),
        ("PUT", "/v1/admin/users/1/ban", "DELETE, POST"),
    ],
)
def test_a_wrong_method_names_every_allowed_one(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)

    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert response.headers["allow"] == allowed


def test_allow_names_the_methods_the_document_shows_at_the_path(client: TestClient) -> None:
    """No route template hides behind another's: at each path of the document, the methods a
    405 names are those the document shows there."""
    document = client.get("/openapi.json").json()
    for template, item in document["paths"].items():
        path = re.sub(r"\{[^}]+\}", "1", template)
        shown = sorted(method.upper() for method in item)
        unshown = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in shown)

        response = client.request(unshown, path)

        assert response.status_code == 405, (template, response.text)
        assert response.headers["allow"] == ", ".join(shown), template


def test_a_refused_cors_preflight_answers_in_json(client: TestClient) -> None:
    response = client.options(
        f"/v1/articles/{ARTICLE}/comments",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    allowed = client.options(
        f"/v1/articles/{ARTICLE}/comments",
        headers={"Origin": FRONTEND_ORIGIN, "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "cors_refused",
        "detail": "Disallowed CORS origin for this site.",
    }
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == FRONTEND_ORIGIN


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_needs_nothing_from_another_site(client: TestClient, page: str) -> None:
    response = client.get(page)

    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets
    assert all(asset.startswith("/docs/") for asset in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100, asset
    assert "<script>" not in response.text  # nothing inline: the CSP forbids it


def test_an_unexpected_error_is_a_500_with_every_header(client: TestClient) -> None:
    client.app.state.scoring = None  # type: ignore[attr-defined]  # /health now breaks

    response = client.get("/health", headers={"Origin": FRONTEND_ORIGIN})

    assert response.status_code == 500
    assert response.json() == {
        "error": "internal_error",
        "detail": "Something went wrong on our side. Please try again.",
    }
    assert {name: response.headers.get(name) for name in ALWAYS} == ALWAYS
    assert response.headers["access-control-allow-origin"] == FRONTEND_ORIGIN


def test_the_news_site_may_send_an_idempotency_key_and_read_the_answers_headers(
    client: TestClient, reader: SignedIn
) -> None:
    preflight = client.options(
        f"/v1/articles/{ARTICLE}/comments",
        headers={
            "Origin": FRONTEND_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key, x-requested-with",
        },
    )
    posted = client.post(
        f"/v1/articles/{ARTICLE}/comments",
        json={"body": "Thanks for the report."},
        headers={**reader.headers, "Origin": FRONTEND_ORIGIN},
    )

    assert preflight.status_code == 200
    exposed = {
        h.strip().lower() for h in posted.headers["access-control-expose-headers"].split(",")
    }
    assert {"retry-after", "idempotent-replayed"} <= exposed
