"""Settings for the whole run, and the one migrated template database. Nothing of the product
is imported at module level, so the pure domain tests (`tests/moderation`) load no app. App and
database fixtures: `tests/support/app.py`, pulled in by the conftest of each folder that needs
them."""

import os
import uuid
from collections.abc import Iterator

import pytest

# Before anything imports transformers: the tests never touch the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def pytest_report_header() -> str:
    postgres = os.environ.get("COMMENTMOD_TEST_DATABASE_URL")
    return f"database: {'PostgreSQL ' + postgres if postgres else 'SQLite'}"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `alembic upgrade head` per run: a SQLite template file, or a private PostgreSQL
    schema (COMMENTMOD_TEST_DATABASE_URL). Imports the product only when a test needs it."""
    from sqlalchemy import text

    from service.cli import migrate
    from service.core.db import make_engine, normalise_database_url

    postgres = os.environ.get("COMMENTMOD_TEST_DATABASE_URL")
    if postgres is None:
        template = tmp_path_factory.mktemp("template") / "template.db"
        migrate(f"sqlite:///{template}")
        yield str(template)
        return
    schema = f"commentmod_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres else "?"
    url = f"{normalise_database_url(postgres)}{separator}options=-csearch_path%3D{schema}"
    try:
        migrate(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
