"""The layering `lint-imports` checks in `make test`, seen from the test side: the domain's tests
run without loading the app, the web framework or the database layer."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys
import pytest

code = pytest.main(["-q", "--collect-only", "-p", "no:cacheprovider", "tests/moderation"])
loaded = sorted(
    {name.split(".")[0] for name in sys.modules}
    & {"service", "auth", "fastapi", "starlette", "sqlalchemy", "sqlmodel", "alembic"}
)
print("LOADED", loaded)
sys.exit(code)
"""


def test_the_domain_tests_load_no_app() -> None:
    probe = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert "LOADED []" in probe.stdout, probe.stdout
