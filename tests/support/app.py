"""Fixtures for tests that need the app or a database: a migrated database per test (a copy
of the run's template, see `tests/conftest.py`), the app under test and signed-in users. A
folder's conftest imports them."""

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from auth.models import Role
from moderation.scoring.english import EmbeddedScorer
from moderation.scoring.korean import KoreanScorer
from moderation.scoring.routing import RoutedScorer
from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.comments.reactions import reaction_drift
from service.comments.tallies import drift
from service.core.db import Database, make_engine
from service.core.settings import Settings
from service.tables import metadata
from tests.support.factories import FRONTEND_ORIGIN, SignedIn, sign_in
from tests.support.scorers import ScriptedScorer

POSTGRES_URL = os.environ.get("COMMENTMOD_TEST_DATABASE_URL")

__all__ = [
    "admin",
    "client",
    "database",
    "database_url",
    "embedded_scorer",
    "engine",
    "moderator",
    "other_reader",
    "reader",
    "routed_scorer",
    "scorer",
    "scripted_scorer",
    "settings",
]


def assert_counters_agree(database_url: str) -> None:
    """Whatever a test did, the counters kept with the comments still equal a recount."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            found = drift(session) + reaction_drift(session)
        assert not found, "counters drifted:\n" + "\n".join(found)
    finally:
        engine.dispose()


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for this test alone."""
    if POSTGRES_URL is None:
        copy = tmp_path / "commentmod.db"
        shutil.copyfile(migrated_database, copy)
        yield f"sqlite:///{copy}"
        assert_counters_agree(f"sqlite:///{copy}")
        return
    yield migrated_database
    assert_counters_agree(migrated_database)
    engine = make_engine(migrated_database)
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


SPAM_CHECKS_OFF: dict[str, Any] = {
    "links": {"action": "allow"},
    "repeats": {"same_account_hours": 0, "coordinated_accounts": 0},
    "daily_caps": {"comments": None, "replies": None, "per_article": None},
    "history_hold": None,
}
"""The spam checks off: the other features' tests post the same words from several accounts,
many comments an hour, and links; tests/service/abuse turns the product's defaults back on."""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        scorer="embedded",
        rescore_interval=0,
        webhook_interval=0,  # tests run delivery rounds themselves (tests/service/webhooks)
        # generous: on a loaded two-core machine (a browser beside the server) a one-text score
        # can pass 2 s, and a comment held as `scoring_unavailable` breaks tests about something
        # else; the tests about the time-out set their own (0.2 s)
        scoring_timeout=15.0,
        allowed_origins=[FRONTEND_ORIGIN],
        comment_rate_limits="",  # tests post fast; tests/service/core/test_ratelimit.py turns it on
        moderation_defaults=SPAM_CHECKS_OFF,
    )


@pytest.fixture(scope="session")
def embedded_scorer() -> EmbeddedScorer:
    return EmbeddedScorer()


@pytest.fixture(scope="session")
def routed_scorer(embedded_scorer: EmbeddedScorer) -> RoutedScorer:
    return RoutedScorer(english=embedded_scorer, korean=KoreanScorer())


@pytest.fixture
def scorer(routed_scorer: RoutedScorer) -> Scorer:
    """The scorer the app under test uses: the product's default without Detoxify weights (the
    embedded English and Korean models, routed by language); tests override this fixture to
    script failures."""
    return routed_scorer


@pytest.fixture
def scripted_scorer() -> ScriptedScorer:
    return ScriptedScorer()


@pytest.fixture
def client(settings: Settings, scorer: Scorer) -> Iterator[TestClient]:
    with TestClient(create_app(settings, scorer=scorer)) as test_client:
        wait_for_start_up_sweep(test_client)
        yield test_client


def wait_for_start_up_sweep(client: TestClient) -> None:
    """The tests' settings sweep once, at start-up (`rescore_interval=0`): over before the
    test, it neither prunes what the test arranges nor adds transactions to what it counts."""
    sweep = client.app.state.housekeeping  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while not sweep.done():
        assert time.monotonic() < deadline, "the start-up housekeeping sweep did not end"
        time.sleep(0.005)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The test's database, for service-level tests and for arranging and inspecting what an
    API test needs (the app under test opens its own connections to it)."""
    connected = Database.connect(database_url)
    yield connected
    connected.dispose()


@pytest.fixture
def engine(database: Database) -> Engine:
    return database.engine


@pytest.fixture
def reader(engine: Engine) -> SignedIn:
    return sign_in(engine, "Min-jun Reader")


@pytest.fixture
def other_reader(engine: Engine) -> SignedIn:
    return sign_in(engine, "Ji-woo Reader")


@pytest.fixture
def moderator(engine: Engine) -> SignedIn:
    return sign_in(engine, "Seo-yeon Moderator", Role.MODERATOR)


@pytest.fixture
def admin(engine: Engine) -> SignedIn:
    return sign_in(engine, "Desk Chief", Role.ADMIN)
