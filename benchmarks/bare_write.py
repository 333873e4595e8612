"""A bare write route, for `bench_write.py` to measure the service against in the same run.

A bare FastAPI route on the same server (`uvicorn[standard]`, the same number of workers) that
stores what a published comment stores, in one transaction: the comment row, its audit row and
the article's counter. No authentication, scoring, policy, idempotency or cache. On a shared
2-core machine whose speed moves between runs, "the service reaches N % of this, in the same
run" is a figure that means something; requests a second alone is not. On SQLite it leaves
the writers to SQLite's own busy handler, as a plain application would (the service queues them).

Served by `uvicorn bare_write:app --app-dir benchmarks`, configured by
`BARE_WRITE_DATABASE_URL` (`sqlite:///PATH` or `postgresql://...`); it creates its own tables.
"""

import asyncio
import json
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from fastapi import FastAPI, Response
from pydantic import BaseModel, Field

DATABASE_URL = os.environ.get("BARE_WRITE_DATABASE_URL", "")
CONNECTIONS_PER_WORKER = 10

TABLES = [
    """CREATE TABLE IF NOT EXISTS bare_comment (
        id {serial}, article_id VARCHAR(200) NOT NULL, author_id INTEGER NOT NULL,
        body TEXT NOT NULL, status VARCHAR(16) NOT NULL, toxicity FLOAT,
        created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS bare_audit (
        id {serial}, comment_id INTEGER NOT NULL, action VARCHAR(32) NOT NULL,
        to_status VARCHAR(16) NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS bare_article (
        id VARCHAR(200) PRIMARY KEY, published_count INTEGER NOT NULL, version INTEGER NOT NULL)""",
]
INSERT_COMMENT = (
    "INSERT INTO bare_comment (article_id, author_id, body, status, toxicity, created_at) "
    "VALUES ({p}, 1, {p}, 'published', 0.01, {p}) RETURNING id"
)
INSERT_AUDIT = (
    "INSERT INTO bare_audit (comment_id, action, to_status, created_at) "
    "VALUES ({p}, 'created', 'published', {p})"
)
COUNT = (
    "INSERT INTO bare_article (id, published_count, version) VALUES ({p}, 1, 1) "
    "ON CONFLICT (id) DO UPDATE SET published_count = bare_article.published_count + 1, "
    "version = bare_article.version + 1"
)


class Draft(BaseModel):
    body: str = Field(min_length=1, max_length=2000)


def _answer(comment_id: int, article_id: str, body: str, created_at: datetime) -> Response:
    document = {
        "id": comment_id,
        "article_id": article_id,
        "body": body,
        "status": "published",
        "created_at": created_at.isoformat(),
    }
    return Response(json.dumps(document), status_code=201, media_type="application/json")


class PostgresStore:
    """A few async connections per worker, handed out through a queue."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(CONNECTIONS_PER_WORKER):
            self.idle.put_nowait(await psycopg.AsyncConnection.connect(self.url))
        connection = await self.idle.get()
        try:
            async with connection.transaction():
                for table in TABLES:
                    await connection.execute(table.format(serial="SERIAL PRIMARY KEY"))
        except psycopg.errors.UniqueViolation:
            pass  # another worker created them at the same moment
        finally:
            self.idle.put_nowait(connection)

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()

    async def store(self, article_id: str, body: str) -> Response:
        connection = await self.idle.get()
        try:
            now = datetime.now(UTC).replace(tzinfo=None)
            async with connection.transaction():
                cursor = await connection.execute(
                    INSERT_COMMENT.format(p="%s"), (article_id, body, now)
                )
                row = await cursor.fetchone()
                assert row is not None
                await connection.execute(INSERT_AUDIT.format(p="%s"), (row[0], now))
                await connection.execute(COUNT.format(p="%s"), (article_id,))
            return _answer(row[0], article_id, body, now)
        finally:
            self.idle.put_nowait(connection)


class SqliteStore:
    """One connection per thread, WAL, the default (full) synchronous mode as the service
    runs, and `BEGIN IMMEDIATE` so writers queue on the lock instead of failing."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()

    def connection(self) -> sqlite3.Connection:
        if not hasattr(self.local, "connection"):
            opened = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            opened.execute("PRAGMA journal_mode=WAL")
            self.local.connection = opened
        connection: sqlite3.Connection = self.local.connection
        return connection

    async def open(self) -> None:
        for table in TABLES:
            self.connection().execute(table.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT"))

    async def close(self) -> None:
        """Each thread's connection closes with the process."""

    def store_now(self, article_id: str, body: str) -> Response:
        connection = self.connection()
        now = datetime.now(UTC).replace(tzinfo=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            (comment_id,) = connection.execute(
                INSERT_COMMENT.format(p="?"), (article_id, body, now.isoformat())
            ).fetchone()
            connection.execute(INSERT_AUDIT.format(p="?"), (comment_id, now.isoformat()))
            connection.execute(COUNT.format(p="?"), (article_id,))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return _answer(comment_id, article_id, body, now)

    async def store(self, article_id: str, body: str) -> Response:
        return await asyncio.to_thread(self.store_now, article_id, body)


def _store_for(url: str) -> PostgresStore | SqliteStore:
    if url.startswith("sqlite:///"):
        return SqliteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise SystemExit(f"BARE_WRITE_DATABASE_URL must be sqlite:/// or postgresql://, not {url!r}")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    store = _store_for(DATABASE_URL)
    await store.open()
    app.state.store = store
    yield
    await store.close()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/v1/articles/{article_id}/comments", status_code=201)
async def post_comment(article_id: str, draft: Draft) -> Response:
    store: PostgresStore | SqliteStore = app.state.store
    return await store.store(article_id, draft.body)
