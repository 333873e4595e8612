"""The database: engine, units of work and column types. The naming convention is set here,
before any table class is defined."""

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    TypeDecorator,
    event,
    text,
)
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, SQLModel, create_engine, select

from service.core.errors import ServiceUnavailable

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

MAX_ID = 2**63 - 1
"""The largest id either database stores."""

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""Every id column: 64-bit on PostgreSQL. SQLite's INTEGER is 64-bit already, and only an
INTEGER primary key is its auto-numbered rowid."""

T = TypeVar("T")


def normalise_database_url(url: str) -> str:
    """Accepts the `postgresql://` URLs operators copy around and uses the psycopg 3 driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@dataclass(frozen=True)
class Timeouts:
    """How long anything waits for the database, in seconds, before the caller gets 503."""

    connect: float = 3.0
    statement: float = 5.0
    """A query (including its lock waits) on PostgreSQL; SQLite's wait for a write lock."""
    pool: float = 3.0
    """For a free connection when every pooled one is busy."""


def make_engine(database_url: str, timeouts: Timeouts | None = None) -> Engine:
    """An engine that never waits without bound: connecting, each query and the pool all time
    out (see `Timeouts`), so a stalled or absent database becomes an error within seconds."""
    timeouts = timeouts or Timeouts()
    url = make_url(normalise_database_url(database_url))
    if url.get_backend_name() != "sqlite":
        options = str(url.query.get("options", ""))
        statement_ms = int(timeouts.statement * 1000)
        connect_args = {
            # libpq waits at least 2 s; covers the whole start-up exchange, not just TCP.
            "connect_timeout": max(2, math.ceil(timeouts.connect)),
            "options": f"{options} -c statement_timeout={statement_ms}".strip(),
            # A peer that stops acknowledging (a dead host, a dropped route) is noticed.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "tcp_user_timeout": statement_ms + 5000,
        }
        return create_engine(
            url, pool_pre_ping=True, pool_timeout=timeouts.pool, connect_args=connect_args
        )
    in_memory = not url.database or url.database == ":memory:"
    if not in_memory:
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": timeouts.statement},
        **({} if in_memory else {"pool_timeout": timeouts.pool}),  # one connection in memory
    )
    event.listen(engine, "connect", _sqlite_pragmas(timeouts.statement))
    return engine


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        """WAL lets readers work while a comment is written; SQLite ignores foreign keys unless
        asked; a writer waits this long for the lock, then the request gets 503."""
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return on_connect


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached or did not answer in time; try again shortly."""

    code = "database_unavailable"

    def __init__(self, retry_after: int) -> None:
        super().__init__("The database cannot be reached right now; try again shortly.")
        self.headers = {"Retry-After": str(retry_after)}


UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)
"""What a database that is down, stalled, overloaded or locked raises."""


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. Services only flush; this,
    the request's session dependency (built on it) and `Database.run` are what commit."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            with suppress(SQLAlchemyError):  # the connection may be what failed
                session.rollback()
            raise


class _Breaker:
    """After the database failed to answer, requests fail fast for `cooldown` seconds instead
    of each waiting out a time-out (and tying up a worker thread); then one request at a time
    tries again, until one gets a connection."""

    def __init__(self, cooldown: float) -> None:
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._failing = False
        self._retry_at = 0.0
        self._trying = False

    def allow(self) -> bool:
        with self._lock:
            if not self._failing:
                return True
            if self._trying or time.monotonic() < self._retry_at:
                return False
            self._trying = True
            return True

    def succeeded(self) -> None:
        if self._failing:
            with self._lock:
                self._failing = self._trying = False

    def failed(self) -> None:
        with self._lock:
            self._failing, self._trying = True, False
            self._retry_at = time.monotonic() + self.cooldown


class Database:
    """The engine and the ways work reaches it: a unit of work in the calling thread, or one in
    a worker thread for async code that must not block the event loop. Either answers 503
    `database_unavailable` (with Retry-After) within the time-outs when the database is down
    or stalled, and at once while it is known to be."""

    def __init__(self, engine: Engine, *, cooldown: float = 2.0) -> None:
        self.engine = engine
        self._breaker = _Breaker(cooldown)
        event.listen(engine, "checkout", self._connected)
        event.listen(engine, "handle_error", self._failed_to_connect)

    @classmethod
    def connect(cls, database_url: str, timeouts: Timeouts | None = None) -> "Database":
        return cls(make_engine(database_url, timeouts))

    def _connected(self, *_: Any) -> None:
        self._breaker.succeeded()

    def _failed_to_connect(self, context: ExceptionContext) -> None:
        if context.is_disconnect or context.connection is None:
            self._breaker.failed()

    def _unavailable(self) -> DatabaseUnavailable:
        return DatabaseUnavailable(retry_after=max(1, math.ceil(self._breaker.cooldown)))

    @contextmanager
    def session(self) -> Iterator[Session]:
        if not self._breaker.allow():
            raise self._unavailable()
        try:
            with session_scope(self.engine) as session:
                yield session
        except PoolTimeout as exc:
            self._breaker.failed()
            raise self._unavailable() from exc
        except UNAVAILABLE_ERRORS as exc:
            raise self._unavailable() from exc

    async def run(self, work: Callable[[Session], T]) -> T:
        """Runs `work` in its own short transaction, in a worker thread."""

        def unit_of_work() -> T:
            with self.session() as session:
                return work(session)

        return await anyio.to_thread.run_sync(unit_of_work)

    def ping(self) -> None:
        """Raises `DatabaseUnavailable` unless the database answers a trivial query."""
        with self.session() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend: SQLite stores no offset and would hand back naive
    times."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


Row = TypeVar("Row", bound=SQLModel)


def in_written_order(session: Session, table: type[Row], *where: Any) -> list[Row]:
    """The rows of `table` that match, in the order they were written (by id): a comment's
    history, its revisions, its reports."""
    query = select(table).where(*where).order_by(table.__table__.c.id)  # type: ignore[attr-defined]
    return list(session.exec(query).all())


def utcnow() -> datetime:
    return datetime.now(UTC)
