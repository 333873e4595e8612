"""Social login through provider-faithful fakes: the browser round trip, accounts, sessions and
every way a login can be abused."""

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from auth.models import AuthSession, Identity, LoginAttempt, User, UserStatus
from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.core.db import Database, utcnow
from service.core.settings import Settings
from service.retention.service import prune
from tests.support.factories import FRONTEND_ORIGIN, SignedIn
from tests.support.fake_providers import (
    FACEBOOK_CLIENT,
    TWITTER_CLIENT,
    FakeProviders,
    ProviderAccount,
)
from tests.support.retention import TERMS

PUBLIC_URL = "https://comments.example-news.kr"
ARTICLE_URL = f"{FRONTEND_ORIGIN}/national/2026/11/27/article.html"
COOKIE = "commentmod_session"
CSRF_HEADERS = {"Origin": FRONTEND_ORIGIN, "X-Requested-With": "XMLHttpRequest"}


@pytest.fixture
def providers() -> FakeProviders:
    return FakeProviders(public_url=PUBLIC_URL)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "twitter_client_id": TWITTER_CLIENT[0],
            "twitter_client_secret": SecretStr(TWITTER_CLIENT[1]),
            "twitter_authorize_url": "https://x.test/i/oauth2/authorize",
            "twitter_token_url": "https://api.x.test/2/oauth2/token",
            "twitter_api_base_url": "https://api.x.test/2/",
            "facebook_client_id": FACEBOOK_CLIENT[0],
            "facebook_client_secret": SecretStr(FACEBOOK_CLIENT[1]),
            "facebook_authorize_url": "https://www.facebook.test/v21.0/dialog/oauth",
            "facebook_token_url": "https://graph.facebook.test/v21.0/oauth/access_token",
            "facebook_api_base_url": "https://graph.facebook.test/v21.0/",
        }
    )


@pytest.fixture
def client(settings: Settings, scorer: Scorer, providers: FakeProviders) -> Iterator[TestClient]:
    """The reader's browser on the comment service; it keeps cookies like a browser does."""
    app = create_app(settings, scorer=scorer, provider_transport=providers.transport())
    with TestClient(app, base_url=PUBLIC_URL, follow_redirects=False) as browser:
        yield browser


@pytest.fixture
def provider_site(providers: FakeProviders) -> Iterator[TestClient]:
    """The same browser on the provider's consent page."""
    with TestClient(providers.asgi_app(), follow_redirects=False) as site:
        yield site


def go_to_provider(client: TestClient, provider: str, **params: str) -> httpx2.Response:
    response = client.get(f"/v1/auth/{provider}/login", params=params)
    assert response.status_code == 302, response.text
    return response


def come_back(client: TestClient, provider_site: TestClient, login: httpx2.Response) -> str:
    """Follows the provider's consent redirect; returns the callback URL it sends the reader to."""
    consent = provider_site.get(login.headers["location"])
    assert consent.status_code == 302, consent.text
    callback = consent.headers["location"]
    assert callback.startswith(PUBLIC_URL)
    return callback


def sign_in(
    client: TestClient, provider_site: TestClient, provider: str, next_url: str = ARTICLE_URL
) -> httpx2.Response:
    login = go_to_provider(client, provider, next=next_url)
    return client.get(come_back(client, provider_site, login))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("provider", ["twitter", "facebook"])
def test_the_browser_round_trip_ends_with_a_posted_comment(
    client: TestClient, provider_site: TestClient, provider: str
) -> None:
    landed = sign_in(client, provider_site, provider)

    assert landed.status_code == 302
    assert landed.headers["location"] == ARTICLE_URL
    assert client.cookies.get(COOKIE)
    posted = client.post(
        "/v1/articles/AEN-1/comments",
        json={"body": "Thanks for the clear report on the trilateral statement."},
        headers=CSRF_HEADERS,
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["status"] == "published"


def test_twitter_profile_becomes_the_user(client: TestClient, provider_site: TestClient) -> None:
    sign_in(client, provider_site, "twitter")

    me = client.get("/v1/me").json()

    assert me["display_name"] == "Kim Min-jun"
    assert me["avatar_url"] == "https://pbs.twimg.test/minjun.jpg"
    assert me["identities"] == [
        {
            "provider": "twitter",
            "username": "minjun_k",
            "avatar_url": "https://pbs.twimg.test/minjun.jpg",
        }
    ]


def test_facebook_email_is_kept_but_never_shown(
    client: TestClient, provider_site: TestClient, engine: Engine
) -> None:
    sign_in(client, provider_site, "facebook")

    me = client.get("/v1/me")

    assert "jiwoo@example.test" not in me.text
    assert me.json()["avatar_url"] == "https://fb.test/jiwoo.jpg"
    with Session(engine) as session:
        assert session.exec(select(Identity)).one().email == "jiwoo@example.test"


def test_a_facebook_account_without_email_signs_in(
    client: TestClient, provider_site: TestClient, providers: FakeProviders
) -> None:
    providers.facebook_account = ProviderAccount("555", "No Email", None, None, None)

    assert sign_in(client, provider_site, "facebook").headers["location"] == ARTICLE_URL
    assert client.get("/v1/me").json()["display_name"] == "No Email"


def test_a_later_login_refreshes_the_profile_and_reuses_the_account(
    client: TestClient, provider_site: TestClient, providers: FakeProviders
) -> None:
    sign_in(client, provider_site, "twitter")
    first_id = client.get("/v1/me").json()["id"]
    providers.twitter_account.name = "Min-jun Kim (Seoul)"

    sign_in(client, provider_site, "twitter")

    me = client.get("/v1/me").json()
    assert me["id"] == first_id
    assert me["display_name"] == "Min-jun Kim (Seoul)"


def test_the_session_cookie_flags(client: TestClient, provider_site: TestClient) -> None:
    landed = sign_in(client, provider_site, "twitter")

    cookie = next(c for c in landed.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite", "max-age", "path"} <= flags
    assert "samesite=lax" in cookie.lower()
    assert f"Max-Age={30 * 24 * 3600}" in cookie


def test_cookie_domain_and_insecure_local_mode(
    settings: Settings, scorer: Scorer, providers: FakeProviders, provider_site: TestClient
) -> None:
    local = settings.model_copy(
        update={"cookie_secure": False, "session_cookie_domain": "example-news.kr"}
    )
    app = create_app(local, scorer=scorer, provider_transport=providers.transport())
    with TestClient(app, base_url=PUBLIC_URL, follow_redirects=False) as browser:
        landed = sign_in(browser, provider_site, "twitter")

    cookie = next(c for c in landed.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert "Domain=example-news.kr" in cookie
    assert "secure" not in cookie.lower()


def test_only_the_token_hash_is_stored(
    client: TestClient, provider_site: TestClient, engine: Engine
) -> None:
    sign_in(client, provider_site, "twitter")
    token = client.cookies[COOKIE]

    with Session(engine) as session:
        stored = session.exec(select(AuthSession)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.user_agent is not None


def test_providers_lists_configured_ones(client: TestClient) -> None:
    response = client.get("/v1/auth/providers")

    assert response.json() == {
        "providers": [
            {"name": "twitter", "login_url": f"{PUBLIC_URL}/v1/auth/twitter/login"},
            {"name": "facebook", "login_url": f"{PUBLIC_URL}/v1/auth/facebook/login"},
        ]
    }


def test_an_unconfigured_provider_is_not_offered(
    settings: Settings, scorer: Scorer, providers: FakeProviders
) -> None:
    only_twitter = settings.model_copy(update={"facebook_client_secret": None})
    with TestClient(create_app(only_twitter, scorer=scorer), base_url=PUBLIC_URL) as browser:
        listed = [p["name"] for p in browser.get("/v1/auth/providers").json()["providers"]]
        for path in ("/v1/auth/facebook/login", "/v1/auth/facebook/callback", "/v1/auth/x/login"):
            response = browser.get(path, follow_redirects=False)
            assert response.status_code == 404
            assert response.json()["error"] == "provider_not_configured"
    assert listed == ["twitter"]


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/phish",
        "//evil.example",
        "javascript:alert(document.cookie)",
        f"{FRONTEND_ORIGIN}@evil.example/",
        f"{FRONTEND_ORIGIN}.evil.example/",
        "https:\\\\evil.example",
        "/relative/path",
        "http://www.example-news.kr/",  # the allowlisted site is https
    ],
)
def test_next_outside_the_allowlist_lands_on_the_default_page(
    client: TestClient, provider_site: TestClient, next_url: str
) -> None:
    landed = sign_in(client, provider_site, "twitter", next_url=next_url)

    assert landed.headers["location"] == f"{FRONTEND_ORIGIN}/"


def test_a_forged_state_is_refused(client: TestClient, provider_site: TestClient) -> None:
    login = go_to_provider(client, "twitter", next=ARTICLE_URL)
    callback = come_back(client, provider_site, login)
    code = query_of(callback)["code"][0]

    response = client.get("/v1/auth/twitter/callback", params={"code": code, "state": "forged"})

    assert response.status_code == 400
    assert response.json()["error"] == "oauth_state_invalid"
    assert COOKIE not in client.cookies


def test_a_replayed_callback_is_refused(client: TestClient, provider_site: TestClient) -> None:
    login = go_to_provider(client, "twitter", next=ARTICLE_URL)
    callback = come_back(client, provider_site, login)
    assert client.get(callback).status_code == 302
    client.cookies.clear()

    replay = client.get(callback)

    assert replay.status_code == 400
    assert replay.json()["error"] == "oauth_state_invalid"


def test_a_callback_with_no_login_in_progress_is_refused(client: TestClient) -> None:
    response = client.get("/v1/auth/twitter/callback", params={"code": "x", "state": "y"})

    assert response.status_code == 400
    assert response.json() == {
        "error": "oauth_state_invalid",
        "detail": "This sign-in link is invalid, expired or already used; start signing in again.",
    }


def test_a_callback_in_another_browser_is_refused(
    client: TestClient, provider_site: TestClient
) -> None:
    """Login CSRF: an attacker's callback URL opened in the victim's browser signs nobody in."""
    login = go_to_provider(client, "twitter", next=ARTICLE_URL)
    callback = come_back(client, provider_site, login)
    client.cookies.clear()  # the victim's browser never started this login

    response = client.get(callback)

    assert response.status_code == 400
    assert response.json()["error"] == "oauth_state_invalid"


def test_a_callback_for_the_other_provider_is_refused(
    client: TestClient, provider_site: TestClient
) -> None:
    login = go_to_provider(client, "twitter", next=ARTICLE_URL)
    callback = come_back(client, provider_site, login)

    response = client.get(callback.replace("/twitter/", "/facebook/"))

    assert response.status_code == 400


def test_an_expired_login_is_refused(
    client: TestClient, provider_site: TestClient, engine: Engine
) -> None:
    login = go_to_provider(client, "twitter", next=ARTICLE_URL)
    callback = come_back(client, provider_site, login)
    with Session(engine) as session:
        session.execute(update(LoginAttempt).values(expires_at=utcnow() - timedelta(minutes=1)))
        session.commit()

    assert client.get(callback).status_code == 400


def test_a_reused_authorization_code_does_not_sign_in(
    client: TestClient, provider_site: TestClient
) -> None:
    first = come_back(client, provider_site, go_to_provider(client, "twitter", next=ARTICLE_URL))
    client.get(first)
    client.cookies.delete(COOKIE)
    used_code = query_of(first)["code"][0]
    second = come_back(client, provider_site, go_to_provider(client, "twitter", next=ARTICLE_URL))
    state = query_of(second)["state"][0]

    landed = client.get("/v1/auth/twitter/callback", params={"code": used_code, "state": state})

    assert landed.status_code == 302
    assert query_of(landed.headers["location"])["login_error"] == ["login_failed"]
    assert COOKIE not in client.cookies


def test_cancelling_at_the_provider_lands_back_with_access_denied(
    client: TestClient, provider_site: TestClient, providers: FakeProviders
) -> None:
    providers.deny_consent = True

    landed = sign_in(client, provider_site, "facebook")

    assert landed.headers["location"] == f"{ARTICLE_URL}?login_error=access_denied"
    assert COOKIE not in client.cookies


@pytest.mark.parametrize("trouble", ["503", "timeout"])
def test_an_unavailable_provider_lands_back_with_provider_unavailable(
    client: TestClient, provider_site: TestClient, providers: FakeProviders, trouble: str
) -> None:
    if trouble == "timeout":
        providers.token_endpoint_times_out = True
    else:
        providers.token_endpoint_status = 503

    landed = sign_in(client, provider_site, "twitter")

    assert landed.status_code == 302
    assert landed.headers["location"] == f"{ARTICLE_URL}?login_error=provider_unavailable"


def test_linking_the_other_provider_and_unlinking(
    client: TestClient, provider_site: TestClient
) -> None:
    sign_in(client, provider_site, "twitter")
    user_id = client.get("/v1/me").json()["id"]

    login = go_to_provider(client, "facebook", next=ARTICLE_URL, link="1")
    assert client.get(come_back(client, provider_site, login)).headers["location"] == ARTICLE_URL

    me = client.get("/v1/me").json()
    assert me["id"] == user_id
    assert [i["provider"] for i in me["identities"]] == ["twitter", "facebook"]
    assert me["display_name"] == "Kim Min-jun"  # linking does not rename the account

    assert client.delete("/v1/me/identities/twitter", headers=CSRF_HEADERS).status_code == 204
    last = client.delete("/v1/me/identities/facebook", headers=CSRF_HEADERS)
    assert last.status_code == 409
    assert last.json()["error"] == "last_identity"
    missing = client.delete("/v1/me/identities/twitter", headers=CSRF_HEADERS)
    assert missing.status_code == 404


def test_linking_an_account_of_another_user_is_refused(
    client: TestClient, provider_site: TestClient, reader: SignedIn, engine: Engine
) -> None:
    sign_in(client, provider_site, "twitter")  # the Twitter account now belongs to this user
    client.cookies.clear()

    login = client.get("/v1/auth/twitter/login", params={"link": "1"}, headers=reader.headers)
    callback = come_back(client, provider_site, login)
    response = client.get(callback, headers=reader.headers)

    assert response.status_code == 409
    assert response.json()["error"] == "identity_in_use"
    with Session(engine) as session:
        assert session.exec(select(Identity).where(Identity.user_id == reader.id)).all() == []


def test_linking_needs_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/v1/auth/twitter/login", params={"link": "1"})

    assert response.status_code == 401


def test_sessions_are_listed_and_logged_out_everywhere(
    client: TestClient, provider_site: TestClient, providers: FakeProviders
) -> None:
    sign_in(client, provider_site, "twitter")
    first_cookie = client.cookies[COOKIE]
    client.cookies.clear()
    sign_in(client, provider_site, "twitter")

    sessions = client.get("/v1/me/sessions").json()
    assert len(sessions) == 2
    assert [s["current"] for s in sessions] == [True, False]

    assert client.delete("/v1/me/sessions", headers=CSRF_HEADERS).status_code == 204
    assert client.get("/v1/me").status_code == 401
    other = client.get("/v1/me", headers={"Authorization": f"Bearer {first_cookie}"})
    assert other.status_code == 401


def test_logout_everywhere_from_a_cookie_needs_the_csrf_header(
    client: TestClient, provider_site: TestClient
) -> None:
    sign_in(client, provider_site, "twitter")

    refused = client.delete("/v1/me/sessions")

    assert refused.status_code == 403
    assert refused.json()["error"] == "csrf_failed"
    assert client.get("/v1/me").status_code == 200


def test_a_banned_reader_signs_in_but_cannot_post(
    client: TestClient, provider_site: TestClient, engine: Engine
) -> None:
    sign_in(client, provider_site, "twitter")
    with Session(engine) as session:
        session.execute(update(User).values(status=UserStatus.BANNED))
        session.commit()

    assert client.get("/v1/me").json()["status"] == "banned"
    posted = client.post("/v1/articles/AEN-1/comments", json={"body": "hi"}, headers=CSRF_HEADERS)
    assert posted.status_code == 403
    assert posted.json()["error"] == "user_banned"


def test_cors_allows_the_news_site_with_credentials(client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}

    allowed = client.options(
        "/v1/articles/AEN-1/comments", headers={"Origin": FRONTEND_ORIGIN, **preflight}
    )
    foreign = client.options(
        "/v1/articles/AEN-1/comments", headers={"Origin": "https://evil.example", **preflight}
    )

    assert allowed.headers["access-control-allow-origin"] == FRONTEND_ORIGIN
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in foreign.headers


@pytest.mark.parametrize("next_url", ["https://[x", "https://a\uff0fb.example/", "http://h:99999/"])
def test_unparsable_next_urls_fall_back_instead_of_failing(
    client: TestClient, provider_site: TestClient, next_url: str
) -> None:
    landed = sign_in(client, provider_site, "twitter", next_url=next_url)

    assert landed.headers["location"] == f"{FRONTEND_ORIGIN}/"


@pytest.mark.parametrize(
    "reply", [{"id": "1", "picture": "not-an-object"}, {"name": "no id"}, {"id": "1", "picture": 3}]
)
def test_an_odd_provider_reply_is_a_failed_login_not_a_crash(
    client: TestClient,
    provider_site: TestClient,
    providers: FakeProviders,
    reply: dict[str, object],
) -> None:
    providers.facebook_profile_reply = reply

    landed = sign_in(client, provider_site, "facebook")

    assert query_of(landed.headers["location"])["login_error"] == ["login_failed"]


def test_linking_fails_when_the_session_ended_while_at_the_provider(
    client: TestClient, provider_site: TestClient
) -> None:
    sign_in(client, provider_site, "twitter")
    login = go_to_provider(client, "facebook", next=ARTICLE_URL, link="1")
    callback = come_back(client, provider_site, login)
    client.delete("/v1/me/sessions", headers=CSRF_HEADERS)

    landed = client.get(callback)

    assert query_of(landed.headers["location"])["login_error"] == ["login_failed"]


def test_the_login_cookie_cannot_be_planted_by_a_subdomain(
    client: TestClient, provider_site: TestClient
) -> None:
    login = go_to_provider(client, "twitter", next=ARTICLE_URL)

    cookie = login.headers["set-cookie"]
    assert cookie.startswith("__Host-commentmod_login=")
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_logins_are_limited_per_address(
    settings: Settings, scorer: Scorer, providers: FakeProviders
) -> None:
    strict = settings.model_copy(update={"login_rate_limits": "2/minute"})
    app = create_app(strict, scorer=scorer, provider_transport=providers.transport())
    with TestClient(app, base_url=PUBLIC_URL, follow_redirects=False) as browser:
        statuses = [browser.get("/v1/auth/twitter/login").status_code for _ in range(3)]

    assert statuses == [302, 302, 429]


def test_a_profile_is_made_fit_to_store(
    client: TestClient, provider_site: TestClient, providers: FakeProviders, engine: Engine
) -> None:
    """Whatever a provider sends, the login neither fails on the database (PostgreSQL refuses
    NUL, columns have lengths) nor stores hidden characters."""
    providers.facebook_account = ProviderAccount(
        "777",
        "Kim\x00 Min\u202e-jun " + "x" * 200,
        None,
        "a" * 400 + "@example.com",
        "javascript:alert(1)",
    )

    assert sign_in(client, provider_site, "facebook").headers["location"] == ARTICLE_URL

    me = client.get("/v1/me").json()
    assert me["display_name"] == ("Kim Min-jun " + "x" * 200)[:100]
    assert me["avatar_url"] is None
    with Session(engine) as session:
        identity = session.exec(select(Identity)).one()
    assert identity.email is None


def leave_and_sign_in_again(
    client: TestClient, provider_site: TestClient, engine: Engine, **standing: object
) -> tuple[dict[str, object], httpx2.Response]:
    """Signs in with X, is given `standing` (a ban, a suspension), leaves, and signs in again."""
    sign_in(client, provider_site, "twitter")
    if standing:
        with Session(engine) as session:
            session.execute(update(User).values(**standing))
            session.commit()
    left = client.request("DELETE", "/v1/me", headers=CSRF_HEADERS)
    assert left.status_code == 200, left.text
    return left.json(), sign_in(client, provider_site, "twitter")


def test_leaving_in_good_standing_lets_the_same_account_sign_up_afresh(
    client: TestClient, provider_site: TestClient, engine: Engine
) -> None:
    report, landed = leave_and_sign_in_again(client, provider_site, engine)

    assert report["sign_in_barred_until"] is None
    assert landed.headers["location"] == ARTICLE_URL
    me = client.get("/v1/me").json()
    assert me["status"] == "active"
    assert me["display_name"] == "Kim Min-jun"


def test_leaving_under_a_ban_does_not_lift_it_until_the_bar_ends(
    client: TestClient, provider_site: TestClient, engine: Engine, database: Database
) -> None:
    report, landed = leave_and_sign_in_again(
        client, provider_site, engine, status=UserStatus.BANNED
    )

    barred_until = datetime.fromisoformat(str(report["sign_in_barred_until"]))
    assert barred_until - utcnow() > timedelta(days=364)
    assert query_of(landed.headers["location"])["login_error"] == ["account_barred"]
    assert client.cookies.get(COOKIE) is None
    with Session(engine) as session:
        assert len(session.exec(select(User)).all()) == 1  # no second account
        kept = session.exec(select(Identity)).one()
    assert (kept.provider, kept.subject) == ("twitter", "1449127")
    assert (kept.username, kept.email, kept.avatar_url) == (None, None, None)

    early = asyncio.run(prune(database, TERMS, now=barred_until - timedelta(seconds=1)))
    assert "barred_sign_ins" not in early
    assert asyncio.run(prune(database, TERMS, now=barred_until))["barred_sign_ins"] == 1
    again = sign_in(client, provider_site, "twitter")
    assert again.headers["location"] == ARTICLE_URL
    assert client.get("/v1/me").json()["status"] == "active"


def test_leaving_while_suspended_bars_the_account_until_the_suspension_ends(
    client: TestClient, provider_site: TestClient, engine: Engine
) -> None:
    ends = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    report, landed = leave_and_sign_in_again(
        client, provider_site, engine, status=UserStatus.SUSPENDED, suspended_until=ends
    )

    assert datetime.fromisoformat(str(report["sign_in_barred_until"])) == ends
    assert query_of(landed.headers["location"])["login_error"] == ["account_barred"]
