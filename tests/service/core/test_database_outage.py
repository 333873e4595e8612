"""A database that is down or stalled: every route answers 503 `database_unavailable` with
Retry-After within the time-outs, at once while the outage is known, and what needs no
database keeps working."""

import contextlib
import functools
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from service.app import create_app
from service.core.db import PROBE_AFTER, Database, DatabaseUnavailable, Timeouts, make_engine
from service.core.settings import Settings
from tests.support.app import POSTGRES_URL
from tests.support.factories import ARTICLE, SignedIn, sign_in
from tests.support.serving import start_serving, wait_until_serving
from tests.support.stalled import StalledDatabase, StallingProxy, closed_port_url, unused_port

CONNECT_TIMEOUT = 2.0  # libpq's shortest
SHUTDOWN_TIMEOUT = 3
SLACK = 1.5


def timed(call: Callable[[], httpx2.Response]) -> tuple[httpx2.Response, float]:
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


@pytest.fixture
def stalled() -> Iterator[StalledDatabase]:
    with StalledDatabase() as database:
        yield database


def outage_app(database_url: str) -> TestClient:
    settings = Settings(
        database_url=database_url,
        database_connect_timeout=CONNECT_TIMEOUT,
        database_pool_timeout=0.5,  # requests queued behind the stuck ones give up sooner
        scorer="embedded",
        rescore_interval=0,
        comment_rate_limits="",
    )
    return TestClient(create_app(settings))


@pytest.fixture
def client(stalled: StalledDatabase) -> Iterator[TestClient]:
    with outage_app(stalled.url) as test_client:
        yield test_client


def assert_unavailable(response: httpx2.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "database_unavailable"
    assert int(response.headers["retry-after"]) >= 1


def test_health_answers_within_the_connect_timeout(client: TestClient) -> None:
    response, seconds = timed(lambda: client.get("/health"))

    assert_unavailable(response)
    assert response.json()["database"] == "unavailable"
    assert seconds < CONNECT_TIMEOUT + SLACK


@pytest.mark.parametrize(
    ("method", "path", "authorization"),
    [
        ("GET", "/v1/articles/AEN-1/comments", None),
        ("GET", "/v1/articles/AEN-1/comments/count", None),
        ("POST", "/v1/articles/AEN-1/comments", "Bearer cm_some-token"),
        ("GET", "/v1/me", "Bearer cm_some-token"),
        ("GET", "/v1/admin/queue", "Bearer cm_some-token"),
    ],
)
def test_every_route_answers_503_not_500(
    client: TestClient, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response, seconds = timed(
        lambda: client.request(method, path, json={"body": "hello"}, headers=headers)
    )

    assert_unavailable(response)
    assert seconds < CONNECT_TIMEOUT + SLACK


def test_once_the_outage_is_known_requests_fail_at_once(client: TestClient) -> None:
    first, _ = timed(lambda: client.get("/v1/articles/AEN-1/comments"))
    second, seconds = timed(lambda: client.get("/v1/articles/AEN-1/comments/count"))

    assert_unavailable(first)
    assert_unavailable(second)
    assert seconds < 0.5


def test_routes_that_need_no_database_keep_working(client: TestClient) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        stuck = [pool.submit(client.get, "/v1/articles/AEN-1/comments") for _ in range(50)]
        time.sleep(0.2)  # the 50 are now waiting on the database or failing fast
        providers, seconds = timed(lambda: client.get("/v1/auth/providers"))
        document = client.get("/openapi.json")
        outcomes = {future.result().status_code for future in stuck}

    assert providers.status_code == 200
    assert seconds < 1.0
    assert document.status_code == 200
    assert outcomes == {503}


def test_a_database_that_is_down_is_503_too() -> None:
    with outage_app(closed_port_url()) as client:
        response, seconds = timed(lambda: client.get("/v1/articles/AEN-1/comments"))

    assert_unavailable(response)
    assert seconds < CONNECT_TIMEOUT


def test_after_the_cooldown_one_request_tries_again(stalled: StalledDatabase) -> None:
    database = Database(make_engine(stalled.url, Timeouts(connect=CONNECT_TIMEOUT)), cooldown=0.5)

    def ping_seconds() -> float:
        start = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            database.ping()
        return time.monotonic() - start

    assert ping_seconds() >= CONNECT_TIMEOUT - 0.5  # tried, and waited out the time-out
    assert ping_seconds() < 0.2  # known down: refused at once
    time.sleep(0.6)
    assert ping_seconds() >= CONNECT_TIMEOUT - 0.5  # cooled down: tried again
    database.dispose()


def test_sigterm_stops_the_server_in_bounded_time(stalled: StalledDatabase) -> None:
    """`commentmod serve` as deployed: it answers without a `Server` banner while the database
    hangs, and SIGTERM ends it within the grace period even with requests stuck."""
    port = unused_port()
    server = start_serving(
        port,
        {
            "COMMENTMOD_DATABASE_URL": stalled.url,
            "COMMENTMOD_DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "COMMENTMOD_SCORER": "embedded",
            "COMMENTMOD_SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
            "COMMENTMOD_RESCORE_INTERVAL": "0",
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/v1/auth/providers")
        assert "server" not in httpx2.get(f"{base}/v1/auth/providers").headers  # no banner
        with ThreadPoolExecutor(max_workers=10) as pool:
            for _ in range(10):
                pool.submit(_quietly_get, f"{base}/v1/articles/AEN-1/comments")
            time.sleep(0.3)
            started = time.monotonic()
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
            seconds = time.monotonic() - started
    finally:
        server.kill()

    assert code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has drained
    assert seconds < SHUTDOWN_TIMEOUT + CONNECT_TIMEOUT + 3


def _quietly_get(url: str) -> None:
    with contextlib.suppress(httpx2.TransportError):  # the server went away: what SIGTERM does
        httpx2.get(url, timeout=20)


def test_a_try_that_never_reaches_the_database_lets_the_next_one_try(
    stalled: StalledDatabase,
) -> None:
    """A request refused before its first query (a malformed token, a bad parameter) must not
    keep the breaker shut for ever."""
    database = Database(make_engine(stalled.url, Timeouts(connect=CONNECT_TIMEOUT)), cooldown=0.3)
    with pytest.raises(DatabaseUnavailable):
        database.ping()
    time.sleep(0.4)

    with database.session():
        pass  # this request was the one allowed to try, and never queried

    start = time.monotonic()
    with pytest.raises(DatabaseUnavailable):
        database.ping()
    assert time.monotonic() - start >= CONNECT_TIMEOUT - 0.5  # it tried, it was not refused
    database.dispose()


@pytest.mark.skipif(
    POSTGRES_URL is None,
    reason="needs a real PostgreSQL to stall in mid-conversation (CI sets "
    "COMMENTMOD_TEST_DATABASE_URL)",
)
def test_a_server_that_hangs_mid_conversation_is_cut_off(database_url: str) -> None:
    """A pooled connection to a server that stops answering (a frozen backend, a stuck
    pooler) hangs in libpq for ever; the watchdog cuts it after twice the statement time-out."""
    upstream = make_url(database_url)
    with StallingProxy(upstream.port or 5432) as proxy:
        proxied = upstream.set(port=proxy.port).render_as_string(hide_password=False)
        settings = Settings(
            database_url=proxied,
            database_statement_timeout=1.0,
            scorer="embedded",
            rescore_interval=0,
            read_cache=False,  # else the page comes from memory (see test_page_cache)
        )
        with TestClient(create_app(settings)) as client:
            assert client.get(f"/v1/articles/{ARTICLE}/comments").status_code == 200
            proxy.stalled.set()

            response, seconds = timed(lambda: client.get(f"/v1/articles/{ARTICLE}/comments"))
            followed, soon = timed(lambda: client.get("/health"))

    assert_unavailable(response)
    assert 1.5 < seconds < 2 * 1.0 + SLACK
    assert_unavailable(followed)
    assert soon < 0.5


STALL_BOUND = PROBE_AFTER + CONNECT_TIMEOUT + SLACK
"""What the README promises a stalled server's callers: the probe's delay, then its connection
attempt's time-out, then the answer."""


@pytest.mark.skipif(
    POSTGRES_URL is None,
    reason="needs a real PostgreSQL to stall in mid-conversation (CI sets "
    "COMMENTMOD_TEST_DATABASE_URL)",
)
def test_a_burst_against_a_stalled_server_is_answered_in_bounded_time(
    database_url: str, engine: Engine
) -> None:
    """Thirty posts and reads hit a server that stopped answering, with the pool warm (each
    request finds a connection that answered a moment ago, so no time-out of its own starts):
    every one is answered 503 within the probe's delay plus the connect time-out, pool waits
    included, however long the statement time-out."""
    writers = [sign_in(engine, f"Writer {n}") for n in range(15)]
    upstream = make_url(database_url)
    with StallingProxy(upstream.port or 5432) as proxy:
        proxied = upstream.set(port=proxy.port).render_as_string(hide_password=False)
        settings = Settings(
            database_url=proxied,
            database_connect_timeout=CONNECT_TIMEOUT,
            database_statement_timeout=30.0,  # the server's own time-outs will not help
            database_pool_size=10,
            scorer="embedded",
            rescore_interval=0,
            comment_rate_limits="",
            read_cache=False,
        )
        with TestClient(create_app(settings)) as client:

            def post(writer: SignedIn, round_: int = 0) -> tuple[httpx2.Response, float]:
                body = f"Comment {round_} from writer {writer.id} on the summit."
                return timed(
                    lambda: client.post(
                        f"/v1/articles/{ARTICLE}/comments",
                        json={"body": body},
                        headers=writer.headers,
                    )
                )

            def read(_: SignedIn) -> tuple[httpx2.Response, float]:
                return timed(lambda: client.get(f"/v1/articles/{ARTICLE}/comments"))

            with ThreadPoolExecutor(max_workers=30) as pool:  # warm: 30 connections open
                # Warming is not what is tested: on a loaded machine thirty connections opened
                # at once through the proxy can outlast the 2 s connect time-out, so a round
                # that met a 503 is played again once the breaker lets requests through.
                for round_ in range(3):
                    posts = pool.map(functools.partial(post, round_=round_), writers)
                    warm = list(posts) + list(pool.map(read, writers))
                    if {response.status_code for response, _ in warm} == {200, 201}:
                        break
                    time.sleep(PROBE_AFTER + CONNECT_TIMEOUT)
                assert {response.status_code for response, _ in warm} == {200, 201}
                proxy.stalled.set()
                burst = list(pool.map(post, writers)) + list(pool.map(read, writers))

    for response, seconds in burst:
        assert_unavailable(response)
        assert seconds < STALL_BOUND, seconds
