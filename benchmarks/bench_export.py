"""Does a reader's data export stay small in memory however many comments they wrote? One
reader with 5,000 and then 50,000 comments (each with one earlier version), exported through
`GET /v1/me/export` and read as a client would, chunk by chunk.

Run with `make bench-export` (or `.venv/bin/python benchmarks/bench_export.py`). In one process,
on a fresh SQLite file per size (`--backend postgresql` for a scratch PostgreSQL database). It
prints, per size, the export's bytes, seconds and comments per second, and the peak of Python's
allocations while it ran (tracemalloc), then the ratio of the two peaks: streamed, the peak
follows the page size (500 rows), not the comment count, so the ratio stays near 1. Exits 1 when
the document read back does not hold every comment.
"""

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.exc import SAWarning
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_service import add_pg_arguments  # noqa: E402
from bench_spam import scratch_database  # noqa: E402

from auth.models import User  # noqa: E402
from auth.sessions import issue_session  # noqa: E402
from service.app import create_app  # noqa: E402
from service.articles.models import Article  # noqa: E402
from service.comments.models import Comment, CommentRevision  # noqa: E402
from service.core.db import make_engine, table_of, utcnow  # noqa: E402
from service.core.settings import Settings  # noqa: E402

SEED_BATCH = 5_000


def seed(url: str, comments: int) -> str:
    """One reader with `comments` published comments, each edited once; their token."""
    engine = make_engine(url)
    now = utcnow()
    with Session(engine) as session:
        user = User(display_name="Prolific Reader")
        session.add(user)
        session.add(Article(id="bench-export"))
        session.flush()
        assert user.id is not None
        for start in range(0, comments, SEED_BATCH):
            numbers = range(start, min(start + SEED_BATCH, comments))
            ids = session.execute(
                insert(table_of(Comment)).returning(table_of(Comment).c.id),
                [
                    {
                        "article_id": "bench-export",
                        "author_id": user.id,
                        "body": f"Comment {n} on the harbour budget and the council's vote.",
                        "status": "published",
                        "status_reason": "passed_checks",
                        "scores": {"toxicity": 0.01, "insult": 0.0},
                        "model_id": "embedded",
                        "created_at": now - timedelta(seconds=comments - n),
                    }
                    for n in numbers
                ],
            ).scalars()
            session.execute(
                insert(table_of(CommentRevision)),
                [
                    {
                        "comment_id": comment_id,
                        "body": "An earlier version of the comment.",
                        "status": "published",
                        "created_at": now,
                    }
                    for comment_id in ids
                ],
            )
        token = issue_session(session, user, lifetime=timedelta(hours=1))
        session.commit()
    engine.dispose()
    return token


def export_once(url: str, comments: int) -> dict[str, float]:
    token = seed(url, comments)
    settings = Settings(
        database_url=url,
        scorer="embedded",
        rescore_interval=0,
        webhook_interval=0,
        access_log=False,
    )
    with TestClient(create_app(settings)) as client, tempfile.TemporaryFile() as saved:
        tracemalloc.start()
        started = time.perf_counter()
        with client.stream(
            "GET",
            "/v1/me/export",
            params={"format": "json"},
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            if response.status_code != 200:
                raise SystemExit(f"export answered {response.status_code}")
            for chunk in response.iter_bytes():
                saved.write(chunk)  # to a file, as a browser does: not counted below
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = saved.tell()
        saved.seek(0)
        document = json.load(saved)
    if len(document["comments"]) != comments:
        raise SystemExit(f"the export holds {len(document['comments'])} of {comments} comments")
    return {"bytes": size, "seconds": seconds, "peak_mb": peak / 2**20}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    add_pg_arguments(parser, "bench_export")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
    results = {}
    for size in args.sizes:
        with scratch_database(args) as url:
            results[size] = export_once(url, size)
        figures = results[size]
        print(
            f"{size:>7} comments: {figures['bytes'] / 2**20:6.1f} MB in {figures['seconds']:5.1f} s"
            f" ({size / figures['seconds']:,.0f} comments/s), server-side peak"
            f" {figures['peak_mb']:5.1f} MB"
        )
    smallest, largest = min(results), max(results)
    ratio = results[largest]["peak_mb"] / results[smallest]["peak_mb"]
    print(f"peak at {largest:,} / peak at {smallest:,} comments: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
