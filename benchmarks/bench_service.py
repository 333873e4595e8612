"""What the benchmarks share: scratch databases, the `commentmod` CLI, `wrk` and its report, and
a served instance that is always stopped (its whole process group) when a benchmark ends.

The benchmarks drive the installed service from outside, as an operator would: `commentmod
migrate`, `commentmod serve`, users and tokens through the CLI's own entry point. So they measure
the code as deployed, and keep working while its internals change.
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
"""The benchmarks run with the project's interpreter (`make` calls `.venv/bin/python`)."""
COMMENTMOD = str(VENV_BIN / "commentmod")
BENCH_DIR = ROOT / "var" / "bench"
PROTECTED_DATABASES = frozenset({"test", "postgres", "template0", "template1"})
"""Never dropped: the test suite owns `test`, the others belong to the server."""

SPAM_CHECKS_OFF = {
    "links": {"action": "allow"},
    "repeats": {"same_account_hours": 0, "coordinated_accounts": 0},
    "daily_caps": {"comments": None, "replies": None, "per_article": None},
    "history_hold": None,
}
"""The load benchmarks post hundreds of comments per writer and article: the daily caps and
repeat checks would refuse them. `make bench-spam` measures the spam checks' cost."""

BASE_ENV = {
    "COMMENTMOD_NUDGE": "false",
    "COMMENTMOD_COMMENT_RATE_LIMITS": "",  # empty: no per-writer limit
    "COMMENTMOD_MODERATION_DEFAULTS": json.dumps(SPAM_CHECKS_OFF),
    "COMMENTMOD_SCORER": "embedded",
    "COMMENTMOD_LOG_LEVEL": "WARNING",
    "HF_HUB_OFFLINE": "1",
}


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of every `commentmod` process a benchmark starts."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMMENTMOD_")}
    return {**env, **BASE_ENV, "COMMENTMOD_DATABASE_URL": database_url, **extra}


def run_cli(args: Sequence[str], env: Mapping[str, str], *, timeout: float = 300) -> str:
    """Runs `commentmod ARGS`; its stdout, stripped. Fails loudly with its stderr."""
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [COMMENTMOD, *args],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"commentmod {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done.stdout.strip()


_BATCH_CLI = """
import contextlib, io, json, sys
from service.cli import main

def cli(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(list(argv))
    return out.getvalue().strip()

result = []
for name, role in json.load(sys.stdin):
    user_id = cli("users", "create", name, "--role", role)
    result.append([int(user_id), cli("tokens", "issue", user_id)])
print(json.dumps(result))
"""


def create_users(
    names: Sequence[str], env: Mapping[str, str], *, role: str = "reader"
) -> list[tuple[int, str]]:
    """`commentmod users create NAME` then `commentmod tokens issue ID` for each name: the
    CLI's own `main`, in one process, since 40 interpreter start-ups would take longer than the
    benchmark itself. Returns (user id, token) pairs."""
    done = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", _BATCH_CLI],
        input=json.dumps([[name, role] for name in names]),
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"creating users through the CLI failed:\n{done.stderr[-4000:]}")
    rows: list[list[object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return [(int(str(user_id)), str(token)) for user_id, token in rows]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def pg_url(admin_url: str, database: str) -> str:
    """`postgresql://user@host:port/DATABASE` from the admin URL of the same server."""
    base = admin_url.rsplit("/", 1)[0] if admin_url.count("/") >= 3 else admin_url
    return f"{base}/{database}"


def add_pg_arguments(parser: argparse.ArgumentParser, database: str) -> None:
    """`--pg-admin-url` and `--pg-database` (default `database`): the scratch database."""
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a database on the PostgreSQL server, to drop and create the scratch one from",
    )
    parser.add_argument("--pg-database", default=database)


def recreate_pg_database(admin_url: str, database: str) -> None:
    """Drops (closing its sessions) and creates a scratch database."""
    import psycopg
    from psycopg import sql

    if database in PROTECTED_DATABASES or not database.replace("_", "").isalnum():
        raise SystemExit(f"refusing to drop the database {database!r}")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


@dataclass
class Server:
    """`commentmod serve --workers N` in its own process group, so stopping it stops its
    workers too. Other servers (Isso under gunicorn) override `command` and `ready`."""

    env: dict[str, str]
    log_path: Path
    workers: int = 1
    """Always passed: `serve` alone would start one worker per core."""
    port: int = field(default_factory=free_port)
    ready_within: float = 180.0
    """Seconds `start` waits for `ready`; more where each worker loads a large model."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        serve = [COMMENTMOD, "serve", "--host", self.host, "--port", str(self.port)]
        return [*serve, "--workers", str(self.workers)]

    def ready(self) -> bool:
        """Whether it answers: `GET /health` with 200."""
        return self.status_of("/health") == 200

    def status_of(self, path: str) -> int | None:
        """The status of `GET path`, None while nothing answers."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=2)
        try:
            connection.request("GET", path)
            return connection.getresponse().status
        except OSError:
            return None
        finally:
            connection.close()

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own commands
                self.command(),
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited at start-up ({self.log_path}):\n{self.log_tail()}"
                )
            if self.ready():
                return
            time.sleep(0.25)
        raise RuntimeError(
            f"the server was not ready within {self.ready_within:.0f} s ({self.log_path}):\n"
            f"{self.log_tail()}"
        )

    def stop(self) -> None:
        """SIGTERM to the group (graceful), SIGKILL after 15 s."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        # A worker that outlived the supervisor is still in the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""


@contextlib.contextmanager
def serving(server: Server) -> Iterator[Server]:
    """The server for the duration of a block, stopped however the block ends (Ctrl-C too)."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")


def shown(path: Path) -> Path:
    """`path` as messages show it: relative to the project where it lies inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


@dataclass
class WrkResult:
    """One `wrk` run, as its report tells it."""

    requests: int = 0
    duration_s: float = 0.0
    requests_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    """Percentile ("50", "75", "90", "99") to milliseconds, of the completed requests."""
    socket_errors: dict[str, int] = field(default_factory=dict)
    non_2xx: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    """Status code to count, where the Lua script tallies them (`bench_write.lua` does)."""

    @property
    def timeouts(self) -> int:
        return self.socket_errors.get("timeout", 0)

    @property
    def ok(self) -> int:
        return sum(count for status, count in self.statuses.items() if status.startswith("2"))

    @property
    def errors(self) -> int:
        """Error answers and broken connections; time-outs are counted on their own."""
        broken = sum(count for kind, count in self.socket_errors.items() if kind != "timeout")
        return self.non_2xx + broken


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """wrk's text report (with `--latency`) and the status tally `bench_write.lua` prints."""
    result = WrkResult()
    for percentile, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M):
        result.latency_ms[percentile] = _ms(value)
    if found := re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output):
        result.requests = int(found[1])
        result.duration_s = _ms(found[2] + found[3]) / 1000
    if found := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result.requests_per_s = float(found[1])
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        kinds = ("connect", "read", "write", "timeout")
        result.socket_errors = dict(zip(kinds, map(int, found.groups()), strict=True))
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result.non_2xx = int(found[1])
    if found := re.search(r"^BENCH_STATUSES (\{.*\})$", output, re.M):
        result.statuses = {str(k): int(v) for k, v in json.loads(found[1]).items()}
    return result


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found
