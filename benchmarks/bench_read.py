"""Anonymous read path: commentmod against Isso 0.14 on the same machine, in one run.

Run with `make bench-read` (or `.venv/bin/python benchmarks/bench_read.py --help`). Absolute
req/s say more about the machine than about the code, so the arms alternate (A B A B ...) under
the same `wrk` load and the per-round ratio is the figure to compare between machines.

What is compared, and why it is fair:
- Both serve the first page of one 50-comment thread from SQLite with 2 worker processes.
  commentmod: `GET /v1/articles/{id}/comments?limit=20` (newest first) under its own
  `commentmod serve --workers 2`, read cache on (its default). Isso 0.14:
  `GET /?uri=/article-1&limit=20` (oldest first, its default). Its API takes `limit`, so it
  too answers 20 comments, rendered from Markdown as its embed asks for them, under gunicorn's
  sync workers: `gunicorn -w 2 --preload isso.run`, as Isso's docs run it.
- commentmod runs with `make run`'s logging, a line per request (`--no-access-log`: none, as
  gunicorn logs none by default).
- Both are seeded through their own HTTP APIs with the same 50 civil texts.
- A second commentmod instance with `COMMENTMOD_READ_CACHE=false` on the same database, alternated
  with the cached one, says what the in-process page cache buys.

Isso is pip-installed into `var/bench/isso-venv` (kept between runs); the databases, configs and
server logs go to a scratch folder under `var/bench/` that is removed unless `--keep`. The
summary is written to `var/bench/bench-read.json`.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from bench_service import (
    BENCH_DIR,
    ROOT,
    Server,
    create_users,
    ensure_wrk,
    parse_wrk,
    run_cli,
    service_env,
    serving,
    write_json,
)

ISSO_VENV = BENCH_DIR / "isso-venv"
ISSO_VERSION = "0.14.0"
SUMMARY = BENCH_DIR / "bench-read.json"

ARTICLE_ID = "AEN20261127000300315"
ISSO_URI = "/article-1"
COMMENTS = 50
PAGE = 20
WORKERS = 2
WRK_THREADS = 2
WRITERS = 5
"""commentmod users who write the 50 comments, 10 each (rate limits are off for the seeding)."""

TOPICS = [
    "the new tram line",
    "the council budget",
    "the school lunch plan",
    "the harbour festival",
    "the library opening hours",
]
REMARKS = [
    "Thanks for the clear reporting on {}.",
    "I would like to read more about {} next week.",
    "A good summary of {}; the figures help a lot.",
    "My neighbours and I talked about {} over dinner.",
    "A balanced piece on {}, well done to the team.",
    "Could you follow up on {} with the mayor's office?",
    "Interesting to see how {} compares with last year.",
    "I learned something new about {} today, thank you.",
    "The photographs of {} in this article were lovely.",
    "Looking forward to the next update on {}.",
]
TEXTS = [REMARKS[i % len(REMARKS)].format(TOPICS[i // len(REMARKS)]) for i in range(COMMENTS)]


class BenchError(RuntimeError):
    """A setup step failed: the message says which, and where its log is."""


# --- HTTP and processes --------------------------------------------------------------------------


def request(
    method: str, url: str, body: object = None, headers: Mapping[str, str] | None = None
) -> tuple[int, bytes]:
    """One HTTP exchange with stdlib only: the status and the raw body, errors included."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    sent.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=sent)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback only
            return resp.status, resp.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(url: str) -> Any:
    status, body = request("GET", url)
    if status != 200:
        raise BenchError(f"GET {url} answered {status}: {body[:300]!r}")
    return json.loads(body)


def run(cmd: list[str], env: Mapping[str, str] | None = None) -> str:
    """A setup command; its stdout, or a BenchError with its output."""
    done = subprocess.run(  # noqa: S603 - fixed commands of ours
        cmd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


# --- Isso ----------------------------------------------------------------------------------------


def isso_venv() -> Path:
    """Isso and gunicorn in a venv of their own, so that its dependencies (Werkzeug, bleach,
    mistune) never touch the project's; reused when it already has the right version."""
    python = ISSO_VENV / "bin" / "python"
    probe = "import importlib.metadata as m; print(m.version('isso'), m.version('gunicorn'))"
    if python.exists() and (ISSO_VENV / "bin" / "gunicorn").exists():
        done = subprocess.run(  # noqa: S603 - the venv's own interpreter
            [str(python), "-c", probe], capture_output=True, text=True, check=False
        )
        if done.returncode == 0 and done.stdout.split()[:1] == [ISSO_VERSION]:
            return ISSO_VENV
    print(f"installing isso=={ISSO_VERSION} and gunicorn into {ISSO_VENV.relative_to(ROOT)} ...")
    run([sys.executable, "-m", "venv", "--clear", str(ISSO_VENV)])
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet", "install"]
    run([*pip, f"isso=={ISSO_VERSION}", "gunicorn"])
    return ISSO_VENV


@dataclass
class IssoServer(Server):
    """Isso as its docs run it, `gunicorn -w N --preload isso.run` (sync workers), stopped like
    commentmod's server. `env` names its config (ISSO_SETTINGS)."""

    def command(self) -> list[str]:
        return [
            str(ISSO_VENV / "bin" / "gunicorn"),
            f"--workers={self.workers}",
            f"--bind={self.host}:{self.port}",
            "--preload",
            "--log-level=warning",
            "isso.run",
        ]

    def ready(self) -> bool:
        """Isso has no health route: any answer below 500 for the (empty) thread will do."""
        status = self.status_of(f"/?uri={ISSO_URI}")
        return status is not None and status < 500


def isso_config(scratch: Path, port: int) -> Path:
    """Defaults except what a benchmark needs: the guard (on, as in production) allows 2 new
    comments a minute and 3 top-level ones per thread from one address, and the seeding posts
    50 from 127.0.0.1, so both limits are raised above 50. It only guards POST /new; reads are
    untouched. Moderation stays off, so every comment is published at once."""
    path = scratch / "isso.cfg"
    path.write_text(
        f"""[general]
dbpath = {scratch / "isso.db"}
host = http://localhost/
notify = stdout

[moderation]
enabled = false

[admin]
enabled = false

[server]
listen = http://127.0.0.1:{port}

[guard]
enabled = true
ratelimit = {COMMENTS * 10}
direct-reply = {COMMENTS * 10}
"""
    )
    return path


def seed_isso(srv: Server) -> None:
    """Through Isso's own API; the first post names the thread, so Isso needs no page to read
    the title from."""
    for i, text in enumerate(TEXTS):
        body: dict[str, str] = {"text": text, "author": f"reader{i % WRITERS}"}
        if i == 0:
            body["title"] = "Article 1"
        status, answer = request("POST", f"{srv.base_url}/new?uri={ISSO_URI}", body)
        if status != 201:
            raise BenchError(f"Isso refused comment {i + 1} ({status}): {answer[:300]!r}")
    page = get_json(f"{srv.base_url}/?uri={ISSO_URI}")
    if len(page["replies"]) != COMMENTS or page["total_replies"] != COMMENTS:
        raise BenchError(f"Isso shows {len(page['replies'])} of {COMMENTS} comments")
    first = get_json(f"{srv.base_url}/?uri={ISSO_URI}&limit={PAGE}")
    if len(first["replies"]) != PAGE:
        raise BenchError(f"Isso's first page has {len(first['replies'])} comments, not {PAGE}")


# --- commentmod ----------------------------------------------------------------------------------


def seed_commentmod(env: Mapping[str, str], srv: Server) -> None:
    """Through the real API with Bearer tokens from the CLI, as a reader's browser would post."""
    tokens = [token for _, token in create_users([f"reader{n}" for n in range(WRITERS)], env)]
    url = f"{srv.base_url}/v1/articles/{ARTICLE_ID}/comments"
    for i, text in enumerate(TEXTS):
        auth = {"Authorization": f"Bearer {tokens[i % WRITERS]}"}
        status, answer = request("POST", url, {"body": text}, auth)
        outcome = json.loads(answer).get("status") if status == 201 else None
        if outcome != "published":
            raise BenchError(f"comment {i + 1}: {status} {answer[:300]!r}")
    page = get_json(f"{url}?limit={PAGE}")
    count = get_json(f"{url}/count")["count"]
    if len(page["items"]) != PAGE or count != COMMENTS:
        raise BenchError(f"commentmod shows {len(page['items'])} on page 1 and {count} in all")


# --- load ----------------------------------------------------------------------------------------


@dataclass
class ArmResult:
    """One `wrk` run of one arm, as the summary records it."""

    requests_per_s: float
    requests: int
    p50_ms: float | None
    p99_ms: float | None
    non_2xx: int
    socket_errors: int


@dataclass
class Target:
    label: str
    url: str
    response_bytes: int


def wrk(wrk_bin: str, url: str, seconds: int, connections: int) -> ArmResult:
    """One `wrk` run; any non-2xx answer fails the benchmark, since errors are cheap to serve
    and would flatter whichever side makes them."""
    cmd = [wrk_bin, f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    output = run(cmd)
    report = parse_wrk(output)
    if not report.requests or not report.requests_per_s:
        raise BenchError(f"wrk served nothing, or its output is unreadable:\n{output}")
    result = ArmResult(
        requests_per_s=report.requests_per_s,
        requests=report.requests,
        p50_ms=report.latency_ms.get("50"),
        p99_ms=report.latency_ms.get("99"),
        non_2xx=report.non_2xx,
        socket_errors=sum(report.socket_errors.values()),
    )
    if result.non_2xx:
        raise BenchError(f"{url}: {result.non_2xx} non-2xx answers under load:\n{output}")
    return result


def alternate(wrk_bin: str, a: Target, b: Target, args: argparse.Namespace) -> list[dict[str, Any]]:
    """A B A B ...: drift on a shared 2-core machine (the other engineer's tests, thermal state)
    hits both arms of a round alike, so the per-round ratio cancels most of it."""
    for target in (a, b):  # warm-up: imports, connection pools, caches, SQLite's page cache
        wrk(wrk_bin, target.url, 1, args.connections)
    rounds = []
    for n in range(1, args.rounds + 1):
        first = wrk(wrk_bin, a.url, args.duration, args.connections)
        second = wrk(wrk_bin, b.url, args.duration, args.connections)
        ratio = first.requests_per_s / second.requests_per_s
        print(
            f"  round {n}: {a.label} {first.requests_per_s:8.0f} req/s | "
            f"{b.label} {second.requests_per_s:8.0f} req/s | x{ratio:.2f}",
            flush=True,
        )
        rounds.append({"round": n, a.label: asdict(first), b.label: asdict(second), "ratio": ratio})
    return rounds


def summarise(title: str, a: Target, b: Target, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The table and the one-line verdict; medians, because one noisy round should not move it."""
    rate_a = statistics.median(r[a.label]["requests_per_s"] for r in rounds)
    rate_b = statistics.median(r[b.label]["requests_per_s"] for r in rounds)
    ratio = statistics.median(r["ratio"] for r in rounds)
    width = max(len(a.label), len(b.label), 10)
    print(
        f"\n{'round':<6} {'arm':<{width}} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'sock err':>8}"
    )
    for r in rounds:
        for label in (a.label, b.label):
            res = r[label]
            p50 = f"{res['p50_ms']:.2f}" if res["p50_ms"] is not None else "-"
            p99 = f"{res['p99_ms']:.2f}" if res["p99_ms"] is not None else "-"
            print(
                f"{r['round']:<6} {label:<{width}} {res['requests_per_s']:>9.0f} "
                f"{p50:>8} {p99:>8} {res['socket_errors']:>8}"
            )
        print(f"{'':<6} {'ratio':<{width}} {'x' + format(r['ratio'], '.2f'):>9}")
    per_round = ", ".join(f"{r['ratio']:.2f}x" for r in rounds)
    print(
        f"{title}: {a.label} {rate_a:.0f} req/s vs {b.label} {rate_b:.0f} req/s — "
        f"median ratio {ratio:.2f}x (rounds: {per_round})\n"
    )
    return {
        "a": asdict(a),
        "b": asdict(b),
        "median_requests_per_s": {a.label: rate_a, b.label: rate_b},
        "median_ratio": ratio,
        "rounds": rounds,
    }


# --- main ----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="A B rounds per comparison")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--no-access-log",
        action="store_true",
        help="commentmod without its access log (by default it logs each request, as `make "
        "run` does; gunicorn, as Isso's docs run it, logs none)",
    )
    args = parser.parse_args()
    if args.duration <= 0 or args.rounds < 1 or args.connections < WRK_THREADS:
        parser.error(f"need --duration > 0, --rounds >= 1, --connections >= {WRK_THREADS}")
    return args


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    """SIGTERM or SIGHUP unwind like Ctrl-C does, so the servers are always stopped."""
    raise SystemExit(128 + signum)


def first_page_bytes(url: str) -> int:
    return len(request("GET", url)[1])


def bench(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    wrk_bin = ensure_wrk()
    isso_venv()
    database_url = f"sqlite:///{scratch / 'bench.db'}"
    logging = {"COMMENTMOD_LOG_LEVEL": "WARNING" if args.no_access_log else "INFO"}
    cached_env = service_env(database_url, COMMENTMOD_READ_CACHE="true", **logging)
    uncached_env = service_env(database_url, COMMENTMOD_READ_CACHE="false", **logging)
    run_cli(["migrate"], cached_env)

    with ExitStack() as servers:
        isso = IssoServer(dict(os.environ), scratch / "isso.log", workers=WORKERS)
        isso.env["ISSO_SETTINGS"] = str(isso_config(scratch, isso.port))
        servers.enter_context(serving(isso))
        instances = [
            servers.enter_context(
                serving(Server(env, scratch / f"commentmod-{name}.log", workers=WORKERS))
            )
            for name, env in (("cached", cached_env), ("uncached", uncached_env))
        ]
        print(f"seeding {COMMENTS} comments into each ...", flush=True)
        seed_isso(isso)
        seed_commentmod(cached_env, instances[0])

        page = f"/v1/articles/{ARTICLE_ID}/comments?limit={PAGE}"
        isso_url = f"{isso.base_url}/?uri={ISSO_URI}&limit={PAGE}"
        cached_url, uncached_url = (i.base_url + page for i in instances)
        commentmod = Target("commentmod", cached_url, first_page_bytes(cached_url))
        isso_target = Target("isso", isso_url, first_page_bytes(isso_url))
        cached_arm = Target("cached", cached_url, commentmod.response_bytes)
        uncached_arm = Target("uncached", uncached_url, first_page_bytes(uncached_url))

        load = f"wrk -t{WRK_THREADS} -c{args.connections} -d{args.duration}s"
        print(f"\n{load}, {args.rounds} round(s), first page of {PAGE} of {COMMENTS} comments")
        print(
            f"commentmod {commentmod.response_bytes} B/response, isso {isso_target.response_bytes}"
        )
        read = summarise(
            "read", commentmod, isso_target, alternate(wrk_bin, commentmod, isso_target, args)
        )
        print(f"{load}: commentmod with and without its page cache")
        cache = summarise(
            "cache", cached_arm, uncached_arm, alternate(wrk_bin, cached_arm, uncached_arm, args)
        )

    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load": {
            "tool": "wrk",
            "threads": WRK_THREADS,
            "connections": args.connections,
            "duration_s": args.duration,
            "rounds": args.rounds,
        },
        "data": {
            "comments": COMMENTS,
            "page": PAGE,
            "article_id": ARTICLE_ID,
            "isso_uri": ISSO_URI,
        },
        "commentmod": {"workers": WORKERS},
        "isso": {"version": ISSO_VERSION, "server": f"gunicorn sync, {WORKERS} workers, --preload"},
        "read": read,
        "cache": cache,
    }


def main() -> None:
    args = parse_args()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="read-", dir=BENCH_DIR))
    try:
        summary = bench(args, scratch)
    except RuntimeError as error:  # a BenchError, or a server or CLI call that failed
        raise SystemExit(f"bench-read: {error}") from None
    except KeyboardInterrupt:
        print("bench-read: interrupted; the servers are stopped", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        if args.keep:
            print(f"scratch folder kept: {scratch.relative_to(ROOT)}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    write_json(SUMMARY, summary)
    print(f"summary: {SUMMARY.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
