"""`commentmod serve` as deployed, in a child process: for the tests of signals and workers."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from tests.support.app import SPAM_CHECKS_OFF

ROOT = Path(__file__).resolve().parents[2]


def quiet_settings(database_url: str) -> dict[str, str]:
    """A server that takes every comment a test throws at it: the embedded scorer, no nudge,
    no rate limit or spam check, no sweep after start-up, no access log."""
    return {
        "COMMENTMOD_DATABASE_URL": database_url,
        "COMMENTMOD_SCORER": "embedded",
        "COMMENTMOD_NUDGE": "false",
        "COMMENTMOD_COMMENT_RATE_LIMITS": "",
        "COMMENTMOD_MODERATION_DEFAULTS": json.dumps(SPAM_CHECKS_OFF),
        "COMMENTMOD_RESCORE_INTERVAL": "0",
        "COMMENTMOD_ACCESS_LOG": "false",
    }


def start_serving(port: int, settings: dict[str, str], *options: str) -> subprocess.Popen[bytes]:
    """Starts `commentmod serve` on `port` with `COMMENTMOD_*` settings from `settings`."""
    environment = {**os.environ, **settings}
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), *options],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_serving(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url, timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")
