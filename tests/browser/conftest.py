"""These tests use the app and database fixtures of `tests/support/app.py`."""

from tests.support.app import *  # noqa: F403
