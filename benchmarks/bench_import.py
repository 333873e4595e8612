"""How fast does a newsroom move in? 100,000 comments generated in each format (a Disqus XML
export, a WordPress WXR file, an Isso database, JSON Lines), each imported into a fresh,
migrated database as `commentmod import` does it: the file read once, streaming, and written in
batches of 1,000.

Run with `make bench-import` (or `.venv/bin/python benchmarks/bench_import.py`); `--backend
postgresql` imports into a scratch PostgreSQL database instead of a SQLite file, `--comments`
changes the size. Each import runs in a child process, so its peak resident memory (the child's
VmHWM) is the import's own; printed with what it grew by over the process with the service
loaded. Prints, per format, comments per second (reading
included) and the peak; exits 1 when an import stored other than every comment, or when one
runs below `--floor` comments per second (5,000 by default).
"""

import argparse
import json
import multiprocessing
import sqlite3
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_service import add_pg_arguments  # noqa: E402
from bench_spam import scratch_database  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.exc import SAWarning  # noqa: E402
from sqlmodel import Session  # noqa: E402

from service.core.db import Database, make_engine  # noqa: E402
from service.core.settings import Settings  # noqa: E402
from service.imports.models import ImportedComment  # noqa: E402
from service.imports.service import ArticleIds, Options, import_comments  # noqa: E402
from service.imports.sources.disqus import read_disqus  # noqa: E402
from service.imports.sources.isso import read_isso  # noqa: E402
from service.imports.sources.jsonl import read_jsonl  # noqa: E402
from service.imports.sources.wordpress import read_wordpress  # noqa: E402

PER_THREAD = 100
PATTERN = r"/article/(?P<id>[A-Za-z0-9-]+)"
START = datetime(2019, 1, 1, tzinfo=UTC)
ISSO_SCHEMA = ROOT / "tests" / "service" / "imports" / "fixtures" / "isso.db"


def text_of(n: int) -> str:
    return f"Comment {n} on the harbour budget: the council's vote was close, and fair."


def parent_of(n: int) -> int | None:
    """Every third comment answers the one before it, in the same thread."""
    return n - 1 if n % 3 == 2 and n % PER_THREAD else None


def moment(n: int) -> datetime:
    return START + timedelta(seconds=n * 37)


def write_disqus(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        )
        for thread in range(count // PER_THREAD + 1):
            out.write(
                f'<thread dsq:id="t{thread}"><id>{thread}</id><forum>news</forum>'
                f"<link>https://news.example.com/article/AEN-{thread}</link>"
                f"<title>Article {thread}</title><createdAt>2019-01-01T00:00:00Z</createdAt>"
                "<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n"
            )
        for n in range(count):
            parent = parent_of(n)
            out.write(
                f'<post dsq:id="p{n}"><id/><message><![CDATA[<p>{escape(text_of(n))}</p>]]>'
                f"</message><createdAt>{moment(n):%Y-%m-%dT%H:%M:%SZ}</createdAt>"
                "<isDeleted>false</isDeleted><isSpam>false</isSpam>"
                f"<author><name>Reader {n % 5000}</name><email>r{n % 5000}@example.kr</email>"
                f"<username>reader{n % 5000}</username><isAnonymous>false</isAnonymous></author>"
                f'<thread dsq:id="t{n // PER_THREAD}"/>'
                + (f'<parent dsq:id="p{parent}"/>' if parent is not None else "")
                + "</post>\n"
            )
        out.write("</disqus>\n")


def write_wordpress(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<title>News</title><wp:wxr_version>1.2</wp:wxr_version>\n"
        )
        for thread in range(count // PER_THREAD + 1):
            numbers = range(thread * PER_THREAD, min((thread + 1) * PER_THREAD, count))
            if not numbers:
                break
            out.write(
                f"<item><title>Article {thread}</title>"
                f"<link>https://news.example.com/article/AEN-{thread}</link>"
                f"<wp:post_id>{thread + 1}</wp:post_id><wp:post_type>post</wp:post_type>\n"
            )
            for n in numbers:
                parent = parent_of(n)
                out.write(
                    f"<wp:comment><wp:comment_id>{n + 1}</wp:comment_id>"
                    f"<wp:comment_author><![CDATA[Reader {n % 5000}]]></wp:comment_author>"
                    f"<wp:comment_author_email>r{n % 5000}@example.kr</wp:comment_author_email>"
                    "<wp:comment_author_url></wp:comment_author_url>"
                    "<wp:comment_author_IP>203.0.113.1</wp:comment_author_IP>"
                    f"<wp:comment_date>{moment(n):%Y-%m-%d %H:%M:%S}</wp:comment_date>"
                    f"<wp:comment_date_gmt>{moment(n):%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
                    f"<wp:comment_content><![CDATA[{text_of(n)}]]></wp:comment_content>"
                    "<wp:comment_approved>1</wp:comment_approved>"
                    "<wp:comment_type>comment</wp:comment_type>"
                    f"<wp:comment_parent>{0 if parent is None else parent + 1}</wp:comment_parent>"
                    "<wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")


def write_isso(path: Path, count: int) -> None:
    """Isso's own schema, read from the fixture database real Isso wrote, filled directly
    (posting 100,000 comments through Isso's API would measure Isso)."""
    with sqlite3.connect(ISSO_SCHEMA) as fixture:
        ddl = [
            sql
            for (sql,) in fixture.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
            )
        ]
    with sqlite3.connect(path) as db:
        for statement in ddl:
            db.execute(statement)
        db.executemany(
            "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
            [(t + 1, f"/article/AEN-{t}", f"Article {t}") for t in range(count // PER_THREAD + 1)],
        )
        db.executemany(
            "INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr, text,"
            " author, email, website, likes, dislikes, voters, notification)"
            " VALUES (?, ?, ?, ?, NULL, 1, '203.0.113.0', ?, ?, ?, NULL, 0, 0, ?, 0)",
            [
                (
                    n // PER_THREAD + 1,
                    n + 1,
                    None if parent_of(n) is None else (parent_of(n) or 0) + 1,
                    moment(n).timestamp(),
                    text_of(n),
                    f"Reader {n % 5000}",
                    f"r{n % 5000}@example.kr",
                    b"",
                )
                for n in range(count)
            ],
        )


def write_jsonl(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            parent = parent_of(n)
            record = {
                "id": str(n),
                "article_id": f"AEN-{n // PER_THREAD}",
                "parent_id": None if parent is None else str(parent),
                "author": {"key": f"reader{n % 5000}", "name": f"Reader {n % 5000}"},
                "created_at": moment(n).isoformat(),
                "body": text_of(n),
                "status": "published",
            }
            out.write(json.dumps(record) + "\n")


FORMATS: dict[str, tuple[Callable[[Path, int], None], Callable[[Path], object], str]] = {
    "disqus": (write_disqus, read_disqus, "xml"),
    "wordpress": (write_wordpress, read_wordpress, "xml"),
    "isso": (write_isso, read_isso, "db"),
    "jsonl": (write_jsonl, read_jsonl, "jsonl"),
}


def run_import(
    url: str, source: str, path: Path, queue: "multiprocessing.Queue[tuple[int, float, int, int]]"
) -> None:
    """In a child process: the import, its seconds and the child's peak resident memory."""
    warnings.filterwarnings("ignore", category=SAWarning)  # SQLite's expression index
    read = FORMATS[source][1]
    database = Database.connect(url, Settings(database_url=url).database_timeouts)
    loaded_kib = high_water_kib()
    articles = ArticleIds() if source == "jsonl" else ArticleIds(pattern=PATTERN)
    started = time.perf_counter()
    outcome = import_comments(
        database,
        lambda: read(path),  # type: ignore[arg-type,return-value]
        Options(source=source, articles=articles),
    )
    seconds = time.perf_counter() - started
    database.dispose()
    peak_kib = high_water_kib()
    queue.put((outcome.imported, seconds, peak_kib, loaded_kib))


def high_water_kib() -> int:
    """This process's peak resident memory (Linux's VmHWM: unlike `ru_maxrss`, it starts anew
    at exec, so a child does not inherit the parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def stored(url: str, source: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.execute(
            select(func.count()).where(ImportedComment.source == source)  # type: ignore[arg-type]
        ).scalar_one()
    engine.dispose()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--formats", nargs="+", choices=list(FORMATS), default=list(FORMATS))
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--floor", type=float, default=5_000.0)
    add_pg_arguments(parser, "commentmod_bench_import")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=SAWarning)  # SQLite's expression index
    context = multiprocessing.get_context("spawn")
    failed = False
    print(f"{args.comments:,} comments per format, into {args.backend}")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        for source in args.formats:
            write, _, suffix = FORMATS[source]
            path = Path(folder) / f"{source}.{suffix}"
            write(path, args.comments)
            size = path.stat().st_size / 2**20
            with scratch_database(args) as url:
                queue: multiprocessing.Queue[tuple[int, float, int, int]] = context.Queue()
                child = context.Process(target=run_import, args=(url, source, path, queue))
                child.start()
                imported, seconds, peak_kib, loaded_kib = queue.get()
                child.join()
                count = stored(url, source)
            rate = imported / seconds
            print(
                f"{source:>9}: {size:6.1f} MiB file, {imported:,} imported in {seconds:5.1f} s"
                f" = {rate:7,.0f} comments/s, peak RSS {peak_kib / 1024:4.0f} MiB"
                f" ({(peak_kib - loaded_kib) / 1024:+4.0f} MiB over the loaded process)"
            )
            if count != args.comments or imported != args.comments:
                print(f"  FAIL: {count:,} stored, {args.comments:,} expected")
                failed = True
            if rate < args.floor:
                print(f"  FAIL: below {args.floor:,.0f} comments/s")
                failed = True
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
