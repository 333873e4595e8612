"""These tests use the app and database fixtures of `tests/support/app.py`, real servers on
local ports, and Debian's Chromium driven by Playwright (`.ci/run` installs both)."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from tests.support.app import *  # noqa: F403

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing = "needs Debian's chromium package (`apt-get install chromium`; .ci/run does)"
        if os.environ.get("COMMENTMOD_REQUIRE_BROWSER"):
            pytest.fail(f"COMMENTMOD_REQUIRE_BROWSER is set: {missing}")  # CI never skips them
        pytest.skip(missing)  # a newcomer's machine without Chromium still runs everything else
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where the browser tests leave their screenshots (`var/artefacts/screens`, or
    `$COMMENTMOD_ARTEFACTS`), for people to look at after a run."""
    folder = Path(os.environ.get("COMMENTMOD_ARTEFACTS", "var/artefacts")) / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
