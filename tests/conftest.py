"""Settings for the whole run; nothing of the product is imported here, so the pure domain tests
(`tests/moderation`) load no app. App and database fixtures: `tests/support/app.py`, pulled in
by the conftest of each folder that needs them."""

import os

# Before anything imports transformers: the tests never touch the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def pytest_report_header() -> str:
    postgres = os.environ.get("COMMENTMOD_TEST_DATABASE_URL")
    return f"database: {'PostgreSQL ' + postgres if postgres else 'SQLite'}"
