"""Live event streams: how many idle streams one worker holds, what they cost in memory, and how
long one new comment takes to reach all of them.

Run with `make bench-events` (or `.venv/bin/python benchmarks/bench_events.py --streams
1000,5000 --rounds 5`). One `commentmod serve --workers 1` on a fresh PostgreSQL scratch
database (events travel by NOTIFY, as with several workers and replicas). For each size, the
streams are opened on one article (in batches, each waiting for the stream's first line), the
worker's resident memory is read from /proc before and after, then comments are posted one at a
time and the time from the POST to the `comment.created` event on every stream is measured
(the client's reading included: an upper bound). Targets: 5,000 idle streams per worker under
200 MB; the figures go to `var/bench/bench-events.json`.
"""

import argparse
import asyncio
import http.client
import json
import statistics
import time
from pathlib import Path

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

ARTICLE = "bench-live"
BATCH = 250
"""Streams opened at once (under the listen backlog)."""
RESULT_FILE = BENCH_DIR / "bench-events.json"
TARGET_MB = 200


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pid(server: Server) -> int:
    """The one worker: the supervisor's child (`serve` starts workers as processes)."""
    assert server.process is not None
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    pids = [int(pid) for pid in children.read_text().split()]
    return pids[0] if pids else server.process.pid


class Streams:
    """N raw HTTP/1.1 connections on the article's event stream, read with asyncio."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def open(self, count: int) -> None:
        for start in range(0, count, BATCH):
            opened = await asyncio.gather(
                *(self._open_one() for _ in range(min(BATCH, count - start)))
            )
            self.connections += opened

    async def _open_one(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(
            f"GET /v1/articles/{ARTICLE}/events HTTP/1.1\r\nHost: {self.host}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        await _read_until(reader, b"retry:")
        return reader, writer

    async def all_hear_next_comment(self) -> list[float]:
        """When each stream got the next `comment.created` (monotonic seconds): read from
        before the comment is posted, so each arrival is timed as it comes."""

        async def one(reader: asyncio.StreamReader) -> float:
            await _read_until(reader, b"event: comment.created")
            return time.monotonic()

        return list(await asyncio.gather(*(one(reader) for reader, _ in self.connections)))

    async def close(self) -> None:
        for _, writer in self.connections:
            writer.close()
        self.connections = []


async def _read_until(reader: asyncio.StreamReader, marker: bytes) -> None:
    seen = b""
    while marker not in seen:
        chunk = await asyncio.wait_for(reader.read(4096), 60)
        if not chunk:
            raise RuntimeError("the stream ended")
        seen = seen[-len(marker) :] + chunk


def post(server: Server, token: str, body: str) -> int:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request(
            "POST",
            f"/v1/articles/{ARTICLE}/comments",
            body=json.dumps({"body": body}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
        if response.status != 201:
            raise RuntimeError(f"posting failed: {response.status} {answer}")
        return int(answer["id"])
    finally:
        connection.close()


async def measure(server: Server, token: str, size: int, rounds: int) -> dict[str, float]:
    pid = worker_pid(server)
    idle = rss_mb(pid)
    streams = Streams(server.host, server.port)
    started = time.monotonic()
    await streams.open(size)
    opening = time.monotonic() - started
    await asyncio.sleep(2)  # settled
    held = rss_mb(pid)
    fan_outs = []
    for n in range(rounds):
        hearing = asyncio.ensure_future(streams.all_hear_next_comment())
        await asyncio.sleep(0.5)  # every reader waiting
        sent = time.monotonic()
        await asyncio.to_thread(post, server, token, f"Live round {n} of {size}.")
        arrivals = await hearing
        fan_outs.append((max(arrivals) - sent, statistics.median(arrivals) - sent))
    await streams.close()
    return {
        "streams": size,
        "open_seconds": round(opening, 2),
        "worker_rss_idle_mb": round(idle, 1),
        "worker_rss_with_streams_mb": round(held, 1),
        "kib_per_stream": round((held - idle) * 1024 / size, 1),
        "fan_out_all_ms": round(statistics.median(f[0] for f in fan_outs) * 1000, 1),
        "fan_out_median_stream_ms": round(statistics.median(f[1] for f in fan_outs) * 1000, 1),
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", default="1000,5000")
    parser.add_argument("--rounds", type=int, default=5)
    add_pg_arguments(parser, "commentmod_bench_events")
    args = parser.parse_args()
    sizes = [int(size) for size in args.streams.split(",")]
    recreate_pg_database(args.pg_admin_url, args.pg_database)
    url = pg_url(args.pg_admin_url, args.pg_database)
    env = service_env(
        url,
        COMMENTMOD_LIVE_STREAMS=str(max(sizes) + 100),
        COMMENTMOD_LIVE_HEARTBEAT="120",
        COMMENTMOD_ACCESS_LOG="false",
    )
    run_cli(["migrate"], env)
    [(_, token)] = create_users(["Live Writer"], env, role="moderator")
    server = Server(env, BENCH_DIR / "events" / "server.log", workers=1)
    results = []
    with serving(server):
        time.sleep(2)  # the worker's LISTEN connection
        post(server, token, "Warm-up.")
        for size in sizes:
            result = asyncio.run(measure(server, token, size, args.rounds))
            results.append(result)
            print(json.dumps(result))
    write_json(RESULT_FILE, {"results": results, "target_mb_for_5000": TARGET_MB})
    print(f"written to {shown(RESULT_FILE)}")


if __name__ == "__main__":
    main()
