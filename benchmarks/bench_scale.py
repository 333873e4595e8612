"""Read latency against table size: each endpoint's median at 10k and at 1M comments.

Run with `make bench-scale` (or `.venv/bin/python benchmarks/bench_scale.py --sizes 10000,50000`).
An endpoint whose ratio (1M/10k) stays near 1 reads a bounded number of rows whatever the size
(an index range, a counter row); one that grows with the ratio scans. Each size gets a fresh
PostgreSQL scratch database, migrated by `commentmod migrate`, seeded in SQL (`seed_scale.sql`)
and its counters rebuilt by `commentmod counters repair` (then a rank for a third of the
published comments, for the `best` order, and a reader's mutes of the 100 most prolific
authors, for the signed-in page). Then sequential keep-alive requests
per endpoint, against one server (`--workers 1`) with the read cache on for every endpoint, and
against a second with `COMMENTMOD_READ_CACHE=false` for the public ones again ("[read cache
off]" rows). The counts the API reports are checked against the comments themselves.
"""

import argparse
import http.client
import json
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_service import (
    BENCH_DIR,
    Server,
    add_pg_arguments,
    create_users,
    pg_url,
    recreate_pg_database,
    run_cli,
    service_env,
    serving,
    shown,
    write_json,
)

SEED_SQL = Path(__file__).resolve().parent / "seed_scale.sql"
RESULT_FILE = BENCH_DIR / "bench-scale.json"
WORK_DIR = BENCH_DIR / "scale"
HOT_ARTICLE = "bench-00001"
TYPICAL_ARTICLE = "bench-00002"


def seed_steps() -> list[tuple[str, str]]:
    """`seed_scale.sql` cut at its `-- step: NAME` lines."""
    steps: list[tuple[str, str]] = []
    for chunk in re.split(r"^-- step: ", SEED_SQL.read_text(), flags=re.M)[1:]:
        name, _, body = chunk.partition("\n")
        steps.append((name.strip(), body))
    return steps


def unfilled_columns(connection: Any) -> list[str]:
    """NOT NULL columns without a default that the seed's INSERTs leave out: the schema moved
    on since the seed was written, and the seed would fail (or lie) on it."""
    filled: dict[str, set[str]] = {}
    for table, columns in re.findall(
        r'INSERT INTO "?(\w+)"?\s*\(([^)]*)\)', SEED_SQL.read_text(), flags=re.S
    ):
        filled[table] = {column.strip() for column in columns.split(",")}
    rows = connection.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_nullable = 'NO' AND column_default IS NULL "
        "AND table_name = ANY(%s)",
        (list(filled),),
    ).fetchall()
    return [f"{table}.{column}" for table, column in rows if column not in filled[table]]


def seed(database_url: str, *, comments: int, users: int, articles: int) -> dict[str, Any]:
    """Runs the seed's steps in order with its parameters, then ANALYZE; prints each step's
    time. Returns the row counts and timings."""
    import psycopg

    timings: dict[str, float] = {}
    with psycopg.connect(database_url, autocommit=True) as connection:
        missing = unfilled_columns(connection)
        if missing:
            raise SystemExit(f"seed_scale.sql does not fill NOT NULL columns: {missing}")
        connection.execute("SET synchronous_commit = off")
        connection.execute("SET work_mem = '256MB'")
        for name, value in (("comments", comments), ("users", users), ("articles", articles)):
            connection.execute(f"SET bench.{name} = '{int(value)}'")
        for name, body in [*seed_steps(), ("analyze", "ANALYZE")]:
            started = time.perf_counter()
            connection.execute(body.encode())  # several statements: no parameters
            timings[name] = round(time.perf_counter() - started, 2)
            print(f"    {name:<12} {timings[name]:7.2f} s", flush=True)
        counts = {}
        for table in ("user", "article", "comment", "report", "moderation_action"):
            row = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
            counts[table] = row[0] if row else 0
    return {"timings_s": timings, "rows": counts}


MUTED = 100
"""Authors the signed-in reader mutes: the most prolific (the seed favours low user ids)."""


def rank_and_mute(database_url: str, reader_id: int) -> float:
    """A rank for a third of the published comments (as if readers had reacted: the seed writes
    no reactions, and `counters repair` would set ranks from them), and the reader's mutes of
    the `MUTED` most prolific authors. Returns the seconds it took."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            "UPDATE comment SET best_score = "
            "('x' || substr(md5(id::text), 17, 8))::bit(32)::bigint / 4294967296.0 "
            "WHERE status = 'published' AND id % 3 = 0"
        )
        connection.execute(
            "INSERT INTO mute (user_id, muted_user_id, created_at) "
            "SELECT %s, g, now() FROM generate_series(1, %s) AS g",
            (reader_id, MUTED),
        )
        connection.execute("ANALYZE comment")
    return round(time.perf_counter() - started, 2)


def repair_counters(env: dict[str, str]) -> float:
    """`commentmod counters repair`: the seed wrote the comments behind the service's back, so
    the counters kept with them (articles' published counts, queue tallies) miss them until
    repaired. Returns the seconds it took."""
    started = time.perf_counter()
    run_cli(["counters", "repair"], env, timeout=1800)
    return round(time.perf_counter() - started, 2)


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    moderator: bool = False
    public: bool = False
    """A reader-facing route: measured with the read cache on and again with it off."""
    reader: bool = False
    """Asked by a signed-in reader who muted the `MUTED` most prolific authors."""


ENDPOINTS = [
    Endpoint("article page, hot", f"/v1/articles/{HOT_ARTICLE}/comments?limit=20", public=True),
    Endpoint("article page 2, hot (cursor)", "", public=True),  # path from page 1's next_cursor
    Endpoint(
        "article page, typical", f"/v1/articles/{TYPICAL_ARTICLE}/comments?limit=20", public=True
    ),
    Endpoint(
        "article page best, hot",
        f"/v1/articles/{HOT_ARTICLE}/comments?sort=best&limit=20",
        public=True,
    ),
    Endpoint("article page 2 best, hot (cursor)", "", public=True),
    Endpoint(
        "article page replies, hot",
        f"/v1/articles/{HOT_ARTICLE}/comments?sort=replies&limit=20",
        public=True,
    ),
    Endpoint(
        "article page, hot, signed in with mutes",
        f"/v1/articles/{HOT_ARTICLE}/comments?limit=20",
        reader=True,
    ),
    Endpoint("article count, hot", f"/v1/articles/{HOT_ARTICLE}/comments/count", public=True),
    Endpoint("most-commented (24h)", "/v1/articles/top?window=24h&limit=10", public=True),
    Endpoint("commenter's page, most prolific", "/v1/users/1/comments?limit=20", public=True),
    Endpoint("queue counts", "/v1/admin/queues/counts", moderator=True),
    Endpoint("held queue (oldest)", "/v1/admin/queue?status=held&limit=20", moderator=True),
    Endpoint(
        "held queue (toxicity)",
        "/v1/admin/queue?status=held&sort=toxicity&limit=20",
        moderator=True,
    ),
    Endpoint("reported queue (oldest)", "/v1/admin/queue?status=reported&limit=20", moderator=True),
    Endpoint(
        "reported queue (most reported)",
        "/v1/admin/queue?status=reported&sort=reports&limit=20",
        moderator=True,
    ),
    Endpoint("audit page", "/v1/admin/audit?limit=20", moderator=True),
]


READ_CACHE_ARMS = [
    # COMMENTMOD_READ_CACHE, server log, public endpoints only, suffix of the endpoint names
    ("true", "server-{size}.log", False, ""),
    ("false", "server-{size}-nocache.log", True, " [read cache off]"),
]


class Client:
    """One keep-alive connection; `get` returns (status, parsed body, seconds)."""

    def __init__(self, server: Server, token: str | None = None) -> None:
        self.server = server
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=30)

    def get(self, path: str) -> tuple[int, Any, float]:
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - started
                return response.status, json.loads(payload) if payload else None, elapsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # the server closed an idle connection: reconnect once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def measure(client: Client, path: str, *, warmup: int, requests: int) -> dict[str, Any]:
    """Sequential requests: warm-up first (pool, caches, plans), then the timed ones."""
    for _ in range(warmup):
        client.get(path)
    seconds, failures = [], 0
    for _ in range(requests):
        status, _, elapsed = client.get(path)
        seconds.append(elapsed)
        failures += status != 200
    seconds.sort()
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))] * 1000, 2),
        "failures": failures,
    }


def measure_endpoints(
    server: Server,
    tokens: tuple[str, str],
    *,
    warmup: int,
    requests: int,
    only_public: bool,
    suffix: str,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Every endpoint in turn; also what the first answers say (for the sanity checks)."""
    anonymous, moderator, reader = (
        Client(server),
        Client(server, tokens[0]),
        Client(server, tokens[1]),
    )
    results: dict[str, dict[str, Any]] = {}
    seen: dict[str, Any] = {}
    try:
        for endpoint in ENDPOINTS:
            if only_public and not endpoint.public:
                continue
            client = moderator if endpoint.moderator else reader if endpoint.reader else anonymous
            path = endpoint.path
            if not path:  # page 2 of the hot article, in the order of the page before
                best = "best" in endpoint.name
                cursor = seen.get("best_cursor" if best else "next_cursor")
                if not cursor:
                    continue
                order = "sort=best&" if best else ""
                path = f"/v1/articles/{HOT_ARTICLE}/comments?{order}limit=20&cursor={cursor}"
            status, body, _ = client.get(path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}: {body}")
            if endpoint.name == "article page, hot":
                seen["next_cursor"] = body.get("next_cursor")
            elif endpoint.name == "article page best, hot":
                seen["best_cursor"] = body.get("next_cursor")
            elif endpoint.name == "article count, hot":
                seen["hot_count"] = body.get("count")
            elif endpoint.name == "queue counts":
                seen["queue_counts"] = body.get("counts")
            results[endpoint.name + suffix] = {
                "path": path,
                **measure(client, path, warmup=warmup, requests=requests),
            }
            row = results[endpoint.name + suffix]
            print(
                f"    {endpoint.name + suffix:<44} median {row['median_ms']:8.2f} ms   "
                f"p95 {row['p95_ms']:8.2f} ms",
                flush=True,
            )
    finally:
        anonymous.close()
        moderator.close()
        reader.close()
    return results, seen


def expected_counts(database_url: str) -> dict[str, int]:
    """The numbers the API should report, straight from the comments."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FILTER (WHERE status = 'held'), "
            "count(*) FILTER (WHERE status = 'published' AND open_reports >= 1), "
            "count(*) FILTER (WHERE status = 'published' AND article_id = %s) FROM comment",
            (HOT_ARTICLE,),
        ).fetchone()
    assert row is not None
    return {"held": row[0], "reported": row[1], "hot_published": row[2]}


def bench_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    database_url = pg_url(args.pg_admin_url, args.pg_database)
    print(f"\n{size:,} comments: fresh database {args.pg_database}", flush=True)
    recreate_pg_database(args.pg_admin_url, args.pg_database)
    env = service_env(database_url)
    run_cli(["migrate"], env)
    started = time.perf_counter()
    seeded = seed(database_url, comments=size, users=args.users, articles=args.articles)
    seeded["counters_repair_s"] = repair = repair_counters(env)
    print(f"    {'counters':<12} {repair:7.2f} s (commentmod counters repair)")
    seeded["total_s"] = round(time.perf_counter() - started, 2)
    print(f"    seeded in {seeded['total_s']:.1f} s: {seeded['rows']}", flush=True)
    [(_, token)] = create_users(["Bench Moderator"], env, role="moderator")
    [(reader_id, reader_token)] = create_users(["Bench Reader"], env)
    seeded["ranks_s"] = rank_and_mute(database_url, reader_id)

    results: dict[str, dict[str, Any]] = {}
    seen: dict[str, Any] = {}  # the first arm's answers: every endpoint, read cache on
    for read_cache, log, only_public, suffix in READ_CACHE_ARMS:
        arm_env = service_env(database_url, COMMENTMOD_READ_CACHE=read_cache)
        with serving(Server(arm_env, WORK_DIR / log.format(size=size))) as server:
            measured, answers = measure_endpoints(
                server,
                (token, reader_token),
                warmup=args.warmup,
                requests=args.requests,
                only_public=only_public,
                suffix=suffix,
            )
        results.update(measured)
        seen = seen or answers
    expected = expected_counts(database_url)
    checks = {
        "hot count (API / comments)": [seen.get("hot_count"), expected["hot_published"]],
        "held (API / comments)": [(seen.get("queue_counts") or {}).get("held"), expected["held"]],
        "reported (API / comments)": [
            (seen.get("queue_counts") or {}).get("reported"),
            expected["reported"],
        ],
    }
    for name, (api, truth) in checks.items():
        print(f"    check {name}: {api} / {truth}{'' if api == truth else '  MISMATCH'}")
    return {"size": size, "seed": seeded, "endpoints": results, "checks": checks}


def print_table(runs: list[dict[str, Any]]) -> None:
    sizes = [run["size"] for run in runs]
    names = list(dict.fromkeys(name for run in runs for name in run["endpoints"]))
    label = [_short(size) for size in sizes]
    header = f"{'endpoint':<46}" + "".join(f"{'median@' + s:>14}" for s in label)
    header += "".join(f"{'p95@' + s:>12}" for s in label)
    if len(sizes) > 1:
        header += f"{'ratio ' + label[-1] + '/' + label[0]:>16}"
    print("\n" + header)
    print("-" * len(header))
    for name in names:
        rows = [run["endpoints"].get(name) for run in runs]
        line = f"{name:<46}"
        line += "".join(f"{row['median_ms']:>11.2f} ms" if row else f"{'-':>14}" for row in rows)
        line += "".join(f"{row['p95_ms']:>9.2f} ms" if row else f"{'-':>12}" for row in rows)
        if len(sizes) > 1 and rows[0] and rows[-1]:
            line += f"{rows[-1]['median_ms'] / rows[0]['median_ms']:>15.1f}x"
        print(line)


def _short(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="comment counts, comma-separated")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--articles", type=int, default=1000)
    add_pg_arguments(parser, "commentmod_bench_scale")
    parser.add_argument("--output", type=Path, default=RESULT_FILE)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    if args.users < 8 or args.articles < 2:
        raise SystemExit("need at least 8 users and 2 articles")
    print(
        f"sizes {', '.join(map(_short, sizes))}; {args.users} users, {args.articles} articles; "
        f"{args.warmup} warm-up + {args.requests} timed requests per endpoint; "
        "public routes with the read cache on and off"
    )
    runs = [bench_size(size, args) for size in sizes]
    print_table(runs)
    write_json(
        args.output,
        {
            "sizes": sizes,
            "users": args.users,
            "articles": args.articles,
            "requests": args.requests,
            "warmup": args.warmup,
            "runs": runs,
        },
    )
    print(f"(written to {shown(args.output)})")
    mismatched = {
        name for run in runs for name, (api, truth) in run["checks"].items() if api != truth
    }
    if mismatched:
        print(
            f"WARNING: the API's numbers differ from the comments ({', '.join(sorted(mismatched))})"
            ": `counters repair` missed something, or a bug; latencies stand, numbers do not"
        )


if __name__ == "__main__":
    main()
