"""These tests use the app and database fixtures of `tests/support/app.py`, and the CLI's."""

from collections.abc import Iterator

import pytest

from service.core.settings import get_settings
from tests.support.app import *  # noqa: F403


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The `commentmod` CLI run in-process against the test's database."""
    monkeypatch.setenv("COMMENTMOD_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()
