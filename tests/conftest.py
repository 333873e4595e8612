"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when
COMMENTMOD_TEST_DATABASE_URL is set), scorers, the app under test and signed-in users."""

import os

# Before anything imports transformers: the tests never touch the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from auth.models import Role, User
from auth.sessions import issue_session
from moderation.scoring import EmbeddedScorer, Scorer
from service.app import create_app
from service.cli import migrate
from service.db import make_engine, metadata, normalise_database_url
from service.settings import Settings
from tests.fakes import ScriptedScorer

POSTGRES_URL = os.environ.get("COMMENTMOD_TEST_DATABASE_URL")
FRONTEND_ORIGIN = "https://www.example-news.kr"


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `alembic upgrade head` per run: a SQLite template file, or a private PostgreSQL
    schema."""
    if POSTGRES_URL is None:
        template = tmp_path_factory.mktemp("template") / "template.db"
        migrate(f"sqlite:///{template}")
        yield str(template)
        return
    schema = f"commentmod_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{normalise_database_url(POSTGRES_URL)}{separator}options=-csearch_path%3D{schema}"
    try:
        migrate(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for this test alone."""
    if POSTGRES_URL is None:
        copy = tmp_path / "commentmod.db"
        shutil.copyfile(migrated_database, copy)
        yield f"sqlite:///{copy}"
        return
    yield migrated_database
    engine = make_engine(migrated_database)
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        scorer="embedded",
        rescore_interval=0,
        scoring_timeout=2.0,
        allowed_origins=[FRONTEND_ORIGIN],
        comment_rate_limits="",  # tests post fast; tests/api/test_rate_limits.py turns it on
    )


@pytest.fixture(scope="session")
def embedded_scorer() -> EmbeddedScorer:
    return EmbeddedScorer()


@pytest.fixture
def scorer(embedded_scorer: EmbeddedScorer) -> Scorer:
    """The scorer the app under test uses; tests override this fixture to script failures."""
    return embedded_scorer


@pytest.fixture
def client(settings: Settings, scorer: Scorer) -> Iterator[TestClient]:
    with TestClient(create_app(settings, scorer=scorer)) as test_client:
        yield test_client


@pytest.fixture
def engine(client: TestClient) -> Engine:
    app_engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return app_engine


@dataclass(frozen=True)
class SignedIn:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_in(engine: Engine, name: str, role: Role = Role.READER) -> SignedIn:
    with Session(engine) as session:
        user = User(display_name=name, role=role)
        session.add(user)
        session.flush()
        token = issue_session(session, user, timedelta(days=1))
        session.commit()
        assert user.id is not None
        return SignedIn(user.id, token)


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
def scripted_scorer() -> ScriptedScorer:
    return ScriptedScorer()
