"""Write load: N concurrent writers, each with its own token, POSTing comments to one article.

Run with `make bench-write` (or `.venv/bin/python benchmarks/bench_write.py --backend sqlite`).
It answers what a busy article costs the write path on each backend: latency (p50/p99),
throughput, client time-outs, errors, and whether every 2xx comment was really stored. The load
comes from `wrk` (Debian's package) so the client is not the bottleneck on a small machine; the
service runs as `commentmod serve --workers 2` on a fresh database per backend.

Each round loads the service, then a bare route on the same server and database that only
stores the rows (`bare_write.py`), so the report also says what share of the machine's write
capacity the service reaches: on a shared VM whose speed moves from run to run, that ratio is
steadier than requests a second.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench_service import (
    BENCH_DIR,
    VENV_BIN,
    Server,
    WrkResult,
    add_pg_arguments,
    create_users,
    ensure_wrk,
    parse_wrk,
    pg_url,
    recreate_pg_database,
    run_cli,
    service_env,
    serving,
    shown,
    write_json,
)

ARTICLE_ID = "bench-write-hot-article"
WORK_DIR = BENCH_DIR / "write"
LUA_SCRIPT = Path(__file__).resolve().parent / "bench_write.lua"
RESULT_FILE = BENCH_DIR / "bench-write.json"
WRK_THREADS = 2
SERVER_WORKERS = 2


class BareWriteServer(Server):
    """`bare_write.py` under uvicorn with the service's server options and worker count."""

    def command(self) -> list[str]:
        return [
            str(VENV_BIN / "uvicorn"),
            "bare_write:app",
            "--app-dir",
            str(Path(__file__).resolve().parent),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]


OPENERS = [
    "Thanks for the clear report.",
    "Good piece overall.",
    "I read this twice.",
    "Interesting angle on the story.",
    "Useful summary for those of us who missed the briefing.",
    "Finally some numbers.",
    "This matches what people in my town are saying.",
    "Fair reporting, as usual.",
    "A helpful explainer.",
    "I appreciate the context here.",
    "Solid follow-up to last week's article.",
    "Not sure I agree, but well argued.",
]
SUBJECTS = [
    "The part about the bus fares",
    "The minister's statement",
    "The chart on housing prices",
    "The quote from the harbour workers",
    "The timeline of the negotiations",
    "The section on school budgets",
    "The bit about the new rail line",
    "The comparison with last year's figures",
    "The interview with the mayor",
    "The paragraph on water rates",
    "The summary of the council vote",
    "The note on the trilateral summit",
]
MIDDLES = [
    "deserves more attention",
    "raised questions I had not considered",
    "could use a source link",
    "was the most useful part for me",
    "seems a bit optimistic",
    "explains a lot about the delays",
    "should be read by everyone on the committee",
    "left me wanting more detail",
    "made the trade-offs clear",
    "was balanced and calm",
    "needs a follow-up in a month",
    "changed my mind a little",
]
CLOSERS = [
    "",
    "Looking forward to the next update.",
    "Please keep covering this.",
    "Would love to see the full data.",
    "Well done to the reporters.",
    "Curious what readers elsewhere think.",
    "Hope the council listens.",
    "Thanks again.",
    "More of this, please.",
    "Let us see how it goes.",
    "I will share this with my neighbours.",
    "Good to know before the vote.",
]


def comment_bodies(seed: int = 7) -> list[str]:
    """Every combination of the phrase lists (about 20,000 civil news comments of 50 to 194
    characters, room left for wrk's round suffix), shuffled, as JSON string literals."""
    bodies = [
        f"{opener} {subject} {middle}. {closer}".strip()
        for opener, subject, middle, closer in itertools.product(
            OPENERS, SUBJECTS, MIDDLES, CLOSERS
        )
    ]
    bodies = [body for body in bodies if 50 <= len(body) <= 194]
    random.Random(seed).shuffle(bodies)  # noqa: S311 - an order, not a secret
    return [json.dumps(body) for body in bodies]


def run_wrk(
    base_url: str, *, tokens_file: Path, bodies_file: Path, connections: int, duration: int
) -> tuple[list[str], str]:
    command = [
        ensure_wrk(),
        f"-t{min(WRK_THREADS, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(LUA_SCRIPT),
        base_url,
        "--",
        str(tokens_file),
        str(bodies_file),
        ARTICLE_ID,
        str(min(WRK_THREADS, connections)),
        str(connections),
    ]
    done = subprocess.run(  # noqa: S603 - wrk with our own arguments
        command, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stderr}\n{done.stdout}")
    return command, done.stdout + done.stderr


def stored_by_status(backend: str, database: str) -> dict[str, int]:
    """The article's comments in the database, by status (the ground truth for "nothing
    lost")."""
    query = "SELECT status, count(*) FROM comment WHERE article_id = %s GROUP BY status"
    if backend == "sqlite":
        with sqlite3.connect(database) as connection:
            rows = connection.execute(query.replace("%s", "?"), (ARTICLE_ID,)).fetchall()
    else:
        import psycopg

        with psycopg.connect(database) as connection:
            rows = connection.execute(query, (ARTICLE_ID,)).fetchall()
    return {str(status): int(count) for status, count in rows}


def settled_count(backend: str, database: str, *, within: float = 15.0) -> dict[str, int]:
    """Waits until requests still in flight when wrk stopped have landed (the count holds
    still for a second), then counts."""
    deadline = time.monotonic() + within
    last = stored_by_status(backend, database)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = stored_by_status(backend, database)
        if now == last:
            break
        last = now
    return last


def api_count(base_url: str) -> int:
    """The article's published count as the API reports it (the badge number)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", f"/v1/articles/{ARTICLE_ID}/comments/count")
        response = connection.getresponse()
        count: int = json.loads(response.read())["count"]
        return count
    finally:
        connection.close()


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its descendants still running."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def bench_backend(
    backend: str,
    *,
    writers: int,
    duration: int,
    rounds: int,
    pg_admin_url: str,
    pg_database: str,
) -> dict[str, Any]:
    """One backend: a fresh database, `writers` users with tokens, the service with
    `SERVER_WORKERS` workers and the bare route beside it; `rounds` times wrk on each in turn,
    then the check that every 2xx comment is stored."""
    folder = WORK_DIR / backend
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if backend == "sqlite":
        database = str(folder / "bench.db")
        url = f"sqlite:///{database}"
    else:
        recreate_pg_database(pg_admin_url, pg_database)
        url = database = pg_url(pg_admin_url, pg_database)
    env = service_env(url)
    started = time.perf_counter()
    run_cli(["migrate"], env)
    users = create_users([f"Writer {n:02d}" for n in range(1, writers + 1)], env)
    tokens_file = folder / "tokens.txt"
    tokens_file.write_text("".join(f"{token}\n" for _, token in users))
    bodies_file = folder / "bodies.txt"
    bodies_file.write_text("".join(f"{body}\n" for body in comment_bodies()))
    elapsed = time.perf_counter() - started
    print(f"  {backend}: database, {writers} users and tokens in {elapsed:.1f} s")

    def load(server: Server) -> tuple[WrkResult, float, list[str], str]:
        assert server.process is not None
        cpu_before = process_tree_cpu(server.process.pid)
        command, output = run_wrk(
            server.base_url,
            tokens_file=tokens_file,
            bodies_file=bodies_file,
            connections=writers,
            duration=duration,
        )
        cpu = process_tree_cpu(server.process.pid) - cpu_before
        return parse_wrk(output), cpu, command, output

    service = Server(env, folder / "server.log", workers=SERVER_WORKERS)
    bare = BareWriteServer(
        {**env, "BARE_WRITE_DATABASE_URL": url}, folder / "bare.log", workers=SERVER_WORKERS
    )
    per_round: list[dict[str, Any]] = []
    with serving(service), serving(bare):
        print(
            f"  {backend}: service on {service.base_url}, bare route on {bare.base_url}, "
            f"{SERVER_WORKERS} workers each; {rounds} round(s) of wrk for {duration} s on each"
        )
        for number in range(1, rounds + 1):
            ours, ours_cpu, command, output = load(service)
            theirs, theirs_cpu, _, _ = load(bare)
            per_round.append(
                {
                    "round": number,
                    "service": asdict(ours),
                    "service_cpu_ms_per_request": 1000 * ours_cpu / max(1, ours.requests),
                    "bare": asdict(theirs),
                    "bare_cpu_ms_per_request": 1000 * theirs_cpu / max(1, theirs.requests),
                    "share_of_bare": ours.requests_per_s / max(theirs.requests_per_s, 1e-9),
                    "wrk_output": output,
                }
            )
            print(
                f"  round {number}: service {ours.requests_per_s:6.1f} req/s "
                f"(p50 {ours.latency_ms.get('50', float('nan')):.0f} ms) | bare route "
                f"{theirs.requests_per_s:6.1f} req/s "
                f"(p50 {theirs.latency_ms.get('50', float('nan')):.0f} ms) | "
                f"{100 * per_round[-1]['share_of_bare']:.0f} %"
            )
        stored = settled_count(backend, database)
        published_via_api = api_count(service.base_url)
    results = [WrkResult(**r["service"]) for r in per_round]
    ok = sum(result.ok for result in results)
    total_stored = sum(stored.values())

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    return {
        "backend": backend,
        "writers": writers,
        "duration_s": duration,
        "rounds": rounds,
        "server_workers": SERVER_WORKERS,
        "requests": sum(result.requests for result in results),
        "requests_per_s": median([result.requests_per_s for result in results]),
        # The service's own CPU per request (all its processes): steadier than req/s on a
        # machine where wrk and the database share the cores.
        "server_cpu_ms_per_request": median([r["service_cpu_ms_per_request"] for r in per_round]),
        "latency_ms": {
            p: median([result.latency_ms[p] for result in results if p in result.latency_ms])
            for p in ("50", "75", "90", "99")
        },
        "bare_requests_per_s": median([r["bare"]["requests_per_s"] for r in per_round]),
        "bare_latency_ms": {
            p: median([r["bare"]["latency_ms"].get(p, float("nan")) for r in per_round])
            for p in ("50", "99")
        },
        "share_of_bare": median([r["share_of_bare"] for r in per_round]),
        "timeouts": sum(result.timeouts for result in results),
        "errors": sum(result.errors for result in results),
        "non_2xx": sum(result.non_2xx for result in results),
        "statuses": {
            code: sum(result.statuses.get(code, 0) for result in results)
            for code in sorted({code for result in results for code in result.statuses})
        },
        "responses_2xx": ok,
        "stored": total_stored,
        "stored_by_status": stored,
        "published_via_api": published_via_api,
        # 2xx answers whose comment is missing; must be 0. Stored beyond the 2xx count are
        # requests wrk gave up on (time-out, or in flight at the end) that the server finished.
        "lost": max(0, ok - total_stored),
        "stored_without_2xx": max(0, total_stored - ok),
        "wrk_command": command,
        "per_round": per_round,
    }


def print_report(result: dict[str, Any]) -> None:
    latency = result["latency_ms"]
    bare = result["bare_latency_ms"]
    rows = [
        ("requests", f"{result['requests']} in {result['rounds']} round(s)"),
        ("throughput (median)", f"{result['requests_per_s']:.1f} req/s"),
        ("service CPU", f"{result['server_cpu_ms_per_request']:.2f} ms per request"),
        *((f"latency p{p} (median)", f"{latency.get(p, float('nan')):.1f} ms") for p in latency),
        (
            "bare route",
            f"{result['bare_requests_per_s']:.1f} req/s, p50 {bare['50']:.1f} ms, "
            f"p99 {bare['99']:.1f} ms",
        ),
        ("share of the bare route", f"{100 * result['share_of_bare']:.0f} % (median)"),
        ("client time-outs (5 s)", f"{result['timeouts']}"),
        ("errors", f"{result['errors']}"),
        ("non-2xx answers", f"{result['non_2xx']}"),
        ("statuses", ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))),
        ("stored comments", f"{result['stored']} {result['stored_by_status']}"),
        ("published (API count)", f"{result['published_via_api']}"),
        ("lost (2xx not stored)", f"{result['lost']}"),
        ("stored without a 2xx", f"{result['stored_without_2xx']} (in flight when wrk stopped)"),
    ]
    print(f"\n{result['backend']} ({result['server_workers']} server worker(s))")
    for name, value in rows:
        print(f"  {name:<26} {value}")


def summary_line(result: dict[str, Any]) -> str:
    latency = result["latency_ms"]
    line = (
        f"write {result['backend']}: {result['writers']} writers, "
        f"{result['requests_per_s']:.0f} req/s, p50 {latency.get('50', float('nan')):.0f} ms, "
        f"p99 {latency.get('99', float('nan')):.0f} ms, "
        f"{result['server_cpu_ms_per_request']:.1f} ms CPU/request, "
        f"{100 * result['share_of_bare']:.0f} % of the bare route "
        f"({result['bare_requests_per_s']:.0f} req/s), "
        f"{result['timeouts']} time-outs, "
        f"{result['errors']} errors"
    )
    return line + (f", {result['lost']} LOST" if result["lost"] else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--rounds", type=int, default=3, help="service, bare route rounds")
    parser.add_argument("--writers", type=int, default=20, help="connections, one token each")
    add_pg_arguments(parser, "commentmod_bench_write")
    parser.add_argument("--output", type=Path, default=RESULT_FILE)
    args = parser.parse_args()
    if args.duration <= 0 or args.rounds < 1 or args.writers < 1:
        parser.error("need --duration > 0, --rounds >= 1, --writers >= 1")
    ensure_wrk()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"{args.writers} writers POSTing to one article, {args.rounds} round(s) of "
        f"{args.duration} s per backend and server ({SERVER_WORKERS} server workers)"
    )
    results = []
    for backend in backends:
        results.append(
            bench_backend(
                backend,
                writers=args.writers,
                duration=args.duration,
                rounds=args.rounds,
                pg_admin_url=args.pg_admin_url,
                pg_database=args.pg_database,
            )
        )
        print_report(results[-1])
    print()
    for result in results:
        print(summary_line(result))
    write_json(args.output, {"results": results})
    print(f"(written to {shown(args.output)})")
    if any(result["lost"] for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
