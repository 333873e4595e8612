"""A database that works but is busy: a lock held by another process answers 503
`database_busy` with Retry-After within the statement time-out, never 500, and never opens the
outage breaker; a unit of work that writes must say so."""

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2
import psycopg
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlmodel import select

from auth.models import User
from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.core.db import Database, UndeclaredWrite, sqlite_file
from service.core.settings import Settings
from tests.support.app import POSTGRES_URL
from tests.support.factories import ARTICLE, CIVIL, SignedIn, sign_in

STATEMENT_TIMEOUT = 1.0
SLACK = 1.5
HELD_FOR = 4.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"database_statement_timeout": STATEMENT_TIMEOUT})


@pytest.fixture
def client(settings: Settings, scorer: Scorer) -> Iterator[TestClient]:
    with TestClient(create_app(settings, scorer=scorer)) as test_client:
        yield test_client


@pytest.fixture
def locked_by_another_process(database_url: str) -> Iterator[threading.Event]:
    """Another program holds the database's write lock (SQLite: a process in `BEGIN
    IMMEDIATE`, as the `sqlite3` shell or a backup would; PostgreSQL: a session holding an
    exclusive lock on the comment table) for `HELD_FOR` seconds; the event is set once it
    has let go."""
    released = threading.Event()
    if POSTGRES_URL is None:
        path = sqlite_file(make_url(database_url))
        holder = subprocess.Popen(  # noqa: S603 - our interpreter, a fixed script
            [sys.executable, "-c", SQLITE_HOLDER, str(path), str(HELD_FOR)],
            stdout=subprocess.PIPE,
        )
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"locked"

        def wait() -> None:
            holder.wait()
            released.set()
    else:
        url = make_url(database_url)
        connection = psycopg.connect(
            url.set(drivername="postgresql").render_as_string(hide_password=False)
        )
        connection.execute("LOCK TABLE comment IN EXCLUSIVE MODE")

        def wait() -> None:
            time.sleep(HELD_FOR)
            connection.rollback()
            connection.close()
            released.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    yield released
    waiter.join()


SQLITE_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


def post(client: TestClient, who: SignedIn, body: str) -> tuple[httpx2.Response, float]:
    started = time.monotonic()
    response = client.post(
        f"/v1/articles/{ARTICLE}/comments", json={"body": body}, headers=who.headers
    )
    return response, time.monotonic() - started


@pytest.fixture
def writers(database: Database) -> list[SignedIn]:
    """Signed in before the lock is taken."""
    return [sign_in(database.engine, f"Writer {n}") for n in range(6)]


def test_writers_locked_out_by_another_process_are_told_busy_in_time(
    client: TestClient, writers: list[SignedIn], locked_by_another_process: threading.Event
) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda who: post(client, who, f"{CIVIL} ({who.id})"), writers))
        page = client.get(f"/v1/articles/{ARTICLE}/comments")  # readers are not held up

    assert not locked_by_another_process.is_set()  # every answer came while the lock was held
    for response, seconds in answers:
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "database_busy"
        assert int(response.headers["retry-after"]) >= 1
        assert seconds < STATEMENT_TIMEOUT + SLACK
    assert page.status_code == 200

    locked_by_another_process.wait()
    after, seconds = post(client, writers[0], CIVIL)
    assert after.status_code == 201  # busy is not down: no breaker to wait out
    assert seconds < 1.0


def test_a_busy_answer_is_logged_with_its_cause(
    client: TestClient,
    writers: list[SignedIn],
    locked_by_another_process: threading.Event,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response, _ = post(client, writers[0], CIVIL)

    assert response.json()["error"] == "database_busy"
    (line,) = [r.getMessage() for r in caplog.records if "503" in r.getMessage()]
    assert line.startswith("answering 503 database_busy: ")
    assert CIVIL not in line  # the cause, never the reader's text or the SQL's parameters


def test_a_unit_of_work_that_writes_must_say_so(database: Database) -> None:
    with pytest.raises(UndeclaredWrite), database.session() as session:
        session.execute(insert(User).values(display_name="Sneaky"))
    with database.session() as session:
        session.add(User(display_name="Sneaky"))
        with pytest.raises(UndeclaredWrite):
            session.flush()
        session.expunge_all()
    with database.session(writes=True) as session:
        session.add(User(display_name="Declared"))
    with database.session() as session:
        assert session.exec(select(User.display_name)).all() == ["Declared"]


WRITES_ALONE = {"authenticate", "optional_user", "count"}
"""Dependencies that may open a write of their own (the session's last use, a counted sign-in):
on SQLite that write would wait behind the request's own session, held by the same thread."""


SESSIONS = {"get_session"}


def _in_order(dependant: Dependant) -> Iterator[str]:
    """The dependencies' names in the order FastAPI resolves them (depth first)."""
    for sub in dependant.dependencies:
        yield from _in_order(sub)
        yield getattr(sub.call, "__name__", "")


def test_no_route_opens_its_session_before_a_dependency_that_writes_alone(
    client: TestClient,
) -> None:
    checked = 0
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        if not isinstance(route.original_route, APIRoute):
            continue
        names = list(_in_order(route.dependant))
        sessions = [i for i, name in enumerate(names) if name in SESSIONS]
        if sessions:
            checked += 1
            assert not WRITES_ALONE & set(names[sessions[0] :]), (route.path_format, names)
    assert checked > 40
