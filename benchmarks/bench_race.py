"""Writers racing moderators on a healthy database: does any request answer 503?

Run with `make bench-race` (or `.venv/bin/python benchmarks/bench_race.py --backend sqlite`).
For `--duration` seconds (30), on a fresh database per backend and `commentmod serve --workers
2` (as `make run` serves on this machine), at once:

- writers, each with its own token, post comments to a few articles (one in four rude, posted
  past the warning, so held);
- moderators take the held queue and decide it in bulk (`/v1/admin/comments:bulk`), one by one
  (`/approve`, `/reject`), and reject everything by a writer (`/users/{id}/comments:reject`);
- a reader reads the article pages and counts.

It reports every answer by kind of request and status, with latencies, and exits 1 if any
answer is a 5xx: on a healthy database contention must cost time, never a 503.
"""

import argparse
import http.client
import json
import random
import shutil
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
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

WORK_DIR = BENCH_DIR / "race"
RESULT_FILE = BENCH_DIR / "bench-race.json"
ARTICLES = [f"race-article-{n}" for n in range(4)]
CIVIL = [
    "Thanks for the clear report on the council vote.",
    "The chart on housing prices was the most useful part.",
    "A balanced piece; I would like a follow-up next month.",
    "Interesting angle on the harbour negotiations.",
]
RUDE = "You are a pathetic idiot and everyone hates you"


@dataclass
class Tally:
    """Answers by kind of request and status, and each kind's latencies in ms."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, kind: str, status: int, ms: float, body: bytes) -> None:
        with self.lock:
            self.statuses[kind, status] += 1
            self.latencies[kind].append(ms)
            if status >= 500:
                try:
                    code = str(json.loads(body).get("error"))
                except ValueError:
                    code = body[:80].decode(errors="replace")
                self.errors[kind, code] += 1


class Client:
    """One keep-alive connection, as a browser tab would hold."""

    def __init__(self, server: Server, token: str | None, tally: Tally) -> None:
        self.server, self.token, self.tally = server, token, tally
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=60)

    def call(self, kind: str, method: str, path: str, body: object = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None if body is None else json.dumps(body)
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(
                self.server.host, self.server.port, timeout=60
            )
            self.tally.add(kind, 599, (time.perf_counter() - started) * 1000, b"no answer")
            return None
        self.tally.add(kind, response.status, (time.perf_counter() - started) * 1000, data)
        try:
            return json.loads(data) if data else None
        except ValueError:
            return None


def writer(client: Client, stop: threading.Event, seed: int) -> None:
    chance = random.Random(seed)  # noqa: S311 - load shape, not security
    while not stop.is_set():
        article = chance.choice(ARTICLES)
        rude = chance.random() < 0.25
        body: dict[str, Any] = {"body": RUDE if rude else chance.choice(CIVIL)}
        if rude:
            body["acknowledge_toxicity"] = True
        body["body"] += f" ({chance.randrange(10**9)})"
        client.call("post", "POST", f"/v1/articles/{article}/comments", body)


def moderator(
    client: Client, stop: threading.Event, seed: int, writer_ids: list[int], reject_all: bool
) -> None:
    chance = random.Random(seed)  # noqa: S311
    while not stop.is_set():
        queue = client.call("queue", "GET", "/v1/admin/queue?status=held&limit=50") or {}
        ids = [item["id"] for item in queue.get("items", [])]
        move = chance.random()
        if reject_all and move < 0.1:
            author = chance.choice(writer_ids)
            client.call(
                "reject_all",
                "POST",
                f"/v1/admin/users/{author}/comments:reject",
                {"reason": "spam", "note": "race benchmark"},
            )
        elif ids and move < 0.6:
            action = chance.choice(["approve", "reject"])
            decision: dict[str, Any] = {
                "ids": chance.sample(ids, min(len(ids), 25)),
                "action": action,
                "expected_status": "held",
            }
            if action == "reject":
                decision["reason"] = "offensive"
            client.call("bulk", "POST", "/v1/admin/comments:bulk", decision)
        elif ids:
            target = chance.choice(ids)
            if chance.random() < 0.5:
                client.call("approve", "POST", f"/v1/admin/comments/{target}/approve", {})
            else:
                client.call(
                    "reject",
                    "POST",
                    f"/v1/admin/comments/{target}/reject",
                    {"reason": "offensive"},
                )
        else:
            time.sleep(0.05)


def reader(client: Client, stop: threading.Event, seed: int) -> None:
    chance = random.Random(seed)  # noqa: S311
    while not stop.is_set():
        article = chance.choice(ARTICLES)
        client.call("read", "GET", f"/v1/articles/{article}/comments")
        client.call("count", "GET", f"/v1/articles/{article}/comments/count")


def race(database_url: str, args: argparse.Namespace, label: str) -> dict[str, Any]:
    env = service_env(
        database_url,
        COMMENTMOD_COMMENT_RATE_LIMITS="1000/second",  # counted, never reached
        COMMENTMOD_NEW_COMMENTER_PREMODERATION="0",
    )
    run_cli(["migrate"], env)
    writers = create_users([f"Writer {n}" for n in range(args.writers)], env)
    moderators = create_users(
        [f"Moderator {n}" for n in range(args.moderators)], env, role="moderator"
    )
    server = Server(env, WORK_DIR / f"{label}.log", workers=2)
    tally = Tally()
    stop = threading.Event()
    with serving(server):
        threads = [
            threading.Thread(target=writer, args=(Client(server, token, tally), stop, n))
            for n, (_, token) in enumerate(writers)
        ]
        writer_ids = [user_id for user_id, _ in writers]
        threads += [
            threading.Thread(
                target=moderator,
                args=(Client(server, token, tally), stop, 100 + n, writer_ids, n == 0),
            )
            for n, (_, token) in enumerate(moderators)
        ]
        threads.append(threading.Thread(target=reader, args=(Client(server, None, tally), stop, 7)))
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        log = server.log_tail(200_000)
    kinds = sorted({kind for kind, _ in tally.statuses})
    report = {
        "backend": label,
        "duration_s": args.duration,
        "requests": sum(tally.statuses.values()),
        "server_errors": sum(n for (_, status), n in tally.statuses.items() if status >= 500),
        "errors_by_code": {f"{kind} {code}": n for (kind, code), n in tally.errors.items()},
        "by_kind": {
            kind: {
                "statuses": {
                    str(status): n for (k, status), n in sorted(tally.statuses.items()) if k == kind
                },
                "p50_ms": round(statistics.median(tally.latencies[kind]), 1),
                "p99_ms": round(_percentile(tally.latencies[kind], 0.99), 1),
                "max_ms": round(max(tally.latencies[kind]), 1),
            }
            for kind in kinds
        },
        "logged_503s": log.count("answering 503"),
    }
    return report


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--moderators", type=int, default=3)
    add_pg_arguments(parser, "commentmod_bench_race")
    args = parser.parse_args()
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir(parents=True)
    reports = []
    if args.backend in ("sqlite", "both"):
        reports.append(race(f"sqlite:///{WORK_DIR / 'race.db'}", args, "sqlite"))
    if args.backend in ("postgresql", "both"):
        recreate_pg_database(args.pg_admin_url, args.pg_database)
        reports.append(race(pg_url(args.pg_admin_url, args.pg_database), args, "postgresql"))
    for report in reports:
        print(json.dumps(report, indent=2))
    write_json(RESULT_FILE, reports)
    print(f"written to {shown(RESULT_FILE)}")
    return 1 if any(report["server_errors"] for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
