"""The database: engine, units of work and column types. The naming convention is set here,
before any table class is defined."""

import fcntl
import itertools
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio.to_thread
from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Engine,
    Insert,
    Integer,
    MetaData,
    Table,
    TypeDecorator,
    event,
    text,
)
from sqlalchemy import insert as sqlalchemy_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
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
logger = logging.getLogger(__name__)


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

    @property
    def hold(self) -> float:
        """How long one unit of work may keep a PostgreSQL connection before the watchdog cuts
        it: twice a statement's time-out, so only a stalled server trips it."""
        return 2 * self.statement


POOL_OVERFLOW = 10
"""PostgreSQL connections a worker may open beyond its pool in a burst (closed after use)."""

RECENTLY_USED = 1.0
"""Seconds within which a connection handed back is handed out again without a ping: it
answered a moment ago, and the ping is a round trip on every unit of work under load."""


def sqlite_file(url: URL) -> str | None:
    """The SQLite database's file, or None for an in-memory one."""
    database = url.database
    return None if not database or database == ":memory:" else database


def make_engine(
    database_url: str, timeouts: Timeouts | None = None, *, pool_size: int = 20
) -> Engine:
    """An engine that never waits without bound: connecting, each query and the pool all time
    out (see `Timeouts`), so a stalled or absent database becomes an error within seconds.
    On PostgreSQL each worker keeps `pool_size` connections open (plus `POOL_OVERFLOW` in a
    burst): opening one per request costs more than the request."""
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
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=timeouts.pool,
            connect_args=connect_args,
        )
        _guard_checkouts(engine, hold=timeouts.hold)
        return engine
    database_file = sqlite_file(url)
    if database_file is not None:
        Path(database_file).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": timeouts.statement},
        # in memory: one shared connection, no pool to wait for
        **({} if database_file is None else {"pool_timeout": timeouts.pool}),
    )
    event.listen(engine, "connect", _sqlite_pragmas(timeouts.statement))
    return engine


class ConnectionCut(Exception):
    """The watchdog cut a connection whose server stopped answering."""


class _SocketWatchdog:
    """One daemon thread for every checked-out PostgreSQL connection: a socket still checked
    out past its deadline is shut down, which wakes the thread blocked reading it with an error
    (the connection is then discarded, the request answered 503). libpq has no client-side read
    time-out, and `statement_timeout` needs a server that still runs its timers."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._deadlines: dict[int, tuple[float, int]] = {}
        self._cut: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        self._sleeping_until = math.inf

    def arm(self, socket_fd: int, seconds: float) -> int:
        with self._condition:
            token = next(self._tokens)
            deadline = time.monotonic() + seconds
            self._deadlines[token] = (deadline, socket_fd)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="database-watchdog", daemon=True
                )
                self._thread.start()
            if deadline < self._sleeping_until:  # else it wakes in time anyway: no thread switch
                self._condition.notify()
            return token

    def disarm(self, token: int) -> bool:
        """Stops watching; True when the connection had already been cut."""
        with self._condition:
            self._deadlines.pop(token, None)
            if token in self._cut:
                self._cut.discard(token)
                return True
            return False

    def _watch(self) -> None:
        while True:
            with self._condition:
                now = time.monotonic()
                due = [t for t, (deadline, _) in self._deadlines.items() if deadline <= now]
                expired = [self._deadlines.pop(token)[1] for token in due]
                self._cut.update(due)
                upcoming = [deadline for deadline, _ in self._deadlines.values()]
                if not expired:
                    self._sleeping_until = min(upcoming, default=math.inf)
                    self._condition.wait(self._sleeping_until - now if upcoming else None)
                    self._sleeping_until = -math.inf  # awake: the next arm need not notify
            for socket_fd in expired:
                logger.warning("cutting a database connection held for too long")
                _shut(socket_fd)


def _shut(socket_fd: int) -> None:
    with suppress(OSError), socket.socket(fileno=os.dup(socket_fd)) as connection:
        connection.shutdown(socket.SHUT_RDWR)  # OSError: already closed, nothing to wake


_WATCHDOG = _SocketWatchdog()


def _guard_checkouts(engine: Engine, *, hold: float) -> None:
    """Every checkout arms the watchdog and then checks the connection is alive (what
    `pool_pre_ping` would do unguarded); every checkin disarms it."""

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        record.info["watchdog"] = _WATCHDOG.arm(dbapi_connection.pgconn.socket, hold)
        if time.monotonic() - record.info.get("checked_in_at", -math.inf) < RECENTLY_USED:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            if _WATCHDOG.disarm(record.info.pop("watchdog")):
                raise ConnectionCut() from exc  # the server hangs: a new connection would too
            raise DisconnectionError(str(exc)) from exc  # a stale one: the pool tries another

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()
        token = record.info.pop("watchdog", None)
        if token is not None:
            _WATCHDOG.disarm(token)

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)

    def invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        checkin(None, record)
        record.info.pop("checked_in_at", None)  # its replacement is pinged before use

    event.listen(engine, "invalidate", invalidate)


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


UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeout, ConnectionCut)
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

    def admit(self) -> Literal["go", "try", "refuse"]:
        """`go` while the database answers; once it failed, `refuse` during the cool-down and
        while another request is trying, else `try` (this request is the one that tries)."""
        with self._lock:
            if not self._failing:
                return "go"
            if self._trying or time.monotonic() < self._retry_at:
                return "refuse"
            self._trying = True
            return "try"

    def end_trial(self) -> None:
        """The trying request is done; if it never reached the database (its input was refused
        first), the next request may try."""
        with self._lock:
            self._trying = False

    def succeeded(self) -> None:
        if self._failing:
            with self._lock:
                self._failing = self._trying = False

    def failed(self) -> None:
        with self._lock:
            self._failing, self._trying = True, False
            self._retry_at = time.monotonic() + self.cooldown


class _SqliteWriters:
    """Writers take turns on a SQLite file: first within the process (a lock), then across
    worker processes (`flock` on a file beside the database, tried every millisecond): the
    next writer starts as soon as the last one commits, where SQLite's own busy handler would
    sleep up to 100 ms between tries. Bounded by the statement time-out, then 503."""

    def __init__(self, engine: Engine, timeout: float) -> None:
        database = sqlite_file(engine.url)
        self._path = None if database is None else f"{database}-writers"
        self._timeout = timeout
        self._local = threading.Lock()

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self._local.acquire(timeout=self._timeout):
            raise OperationalError("waiting for the write lock", None, TimeoutError())
        try:
            if self._path is None:
                yield
                return
            with open(self._path, "a") as lock_file:
                self._lock_across_processes(lock_file.fileno())
                yield  # closing the file releases the lock
        finally:
            self._local.release()

    def _lock_across_processes(self, fd: int) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError(
                        "waiting for the write lock", None, TimeoutError()
                    ) from None
                time.sleep(0.001)


class Database:
    """The engine and the ways work reaches it: a unit of work in the calling thread, or one in
    a worker thread for async code that must not block the event loop. Either answers 503
    `database_unavailable` (with Retry-After) within the time-outs when the database is down
    or stalled, and at once while it is known to be."""

    def __init__(self, engine: Engine, *, cooldown: float = 2.0, write_wait: float = 5.0) -> None:
        self.engine = engine
        self._breaker = _Breaker(cooldown)
        self._committed: list[Callable[[dict[Any, Any]], None]] = []
        self._sqlite_writers = (
            _SqliteWriters(engine, timeout=write_wait) if engine.dialect.name == "sqlite" else None
        )
        event.listen(engine, "checkout", self._connected)
        event.listen(engine, "handle_error", self._failed_to_connect)

    @classmethod
    def connect(
        cls, database_url: str, timeouts: Timeouts | None = None, *, pool_size: int = 20
    ) -> "Database":
        timeouts = timeouts or Timeouts()
        engine = make_engine(database_url, timeouts, pool_size=pool_size)
        return cls(engine, write_wait=timeouts.statement)

    def _connected(self, *_: Any) -> None:
        self._breaker.succeeded()

    def _failed_to_connect(self, context: ExceptionContext) -> None:
        if context.is_disconnect or context.connection is None:
            self._breaker.failed()

    def _unavailable(self) -> DatabaseUnavailable:
        return DatabaseUnavailable(retry_after=max(1, math.ceil(self._breaker.cooldown)))

    @contextmanager
    def session(self, *, writes: bool = False) -> Iterator[Session]:
        """One unit of work. `writes`: it will write, so on SQLite it takes the write lock
        first, queued behind this process's other writers: SQLite lets one writer in at a
        time, and threads that poll its lock (sleeping up to 100 ms between tries) make the
        slowest writes wait longest."""
        if writes and self._sqlite_writers is not None:
            with self._sqlite_writers.turn(), self._session() as session:
                session.execute(text("BEGIN IMMEDIATE"))
                yield session
        else:
            with self._session() as session:
                yield session

    @contextmanager
    def _session(self) -> Iterator[Session]:
        admitted = self._breaker.admit()
        if admitted == "refuse":
            raise self._unavailable()
        try:
            with session_scope(self.engine) as session:
                yield session
            for listener in self._committed:
                listener(session.info)
        except (PoolTimeout, ConnectionCut) as exc:
            self._breaker.failed()
            raise self._unavailable() from exc
        except UNAVAILABLE_ERRORS as exc:
            raise self._unavailable() from exc
        finally:
            if admitted == "try":
                self._breaker.end_trial()

    def after_commit(self, listener: Callable[[dict[Any, Any]], None]) -> None:
        """Calls `listener` with `session.info` after each unit of work this object commits:
        how a worker learns what its own writes changed (see `comments.page_cache`)."""
        self._committed.append(listener)

    async def run(self, work: Callable[[Session], T], *, writes: bool = False) -> T:
        """Runs `work` in its own short transaction (see `session`), in a worker thread."""

        def unit_of_work() -> T:
            with self.session(writes=writes) as session:
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


def insert_or_ignore(session: Session, table: type[SQLModel]) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` in the session's dialect: the race-free way to create
    a row that a concurrent request may be creating too. Give it `.values(…)`, or execute it
    with a list of rows."""
    return _dialect_insert(session, table).on_conflict_do_nothing()


def _dialect_insert(session: Session, table: type[SQLModel]) -> Any:
    """The session's dialect's `INSERT`, which has `ON CONFLICT`."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(table)


def insert_row(session: Session, row: Row) -> Row:
    """Writes a new row at once with a plain `INSERT … RETURNING id` and sets its id: for rows
    written once per request and never changed in it (a comment, an audit event), without the
    unit of work's bookkeeping, which costs more than the statement. The row stays detached."""
    table = row.__table__  # type: ignore[attr-defined]
    values = {column.name: getattr(row, column.name) for column in table.columns}
    if values.get("id") is None:
        values.pop("id", None)
    row.id = session.execute(_insert_returning_id(table), values).scalar_one()
    return row


@cache
def _insert_returning_id(table: Table) -> Insert:
    """One statement per table, built once (see `insert_row`)."""
    return sqlalchemy_insert(table).returning(table.c.id)


def add_to_counters(session: Session, table: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """`INSERT … ON CONFLICT DO UPDATE SET count = count + excluded.count`: adds each row's
    `count` to the counter row with the same primary key, creating it at 0 when missing. The
    caller sorts `rows` by key, so concurrent writers lock counter rows in the same order."""
    if not rows:
        return
    columns = table.__table__.c  # type: ignore[attr-defined]
    statement = _dialect_insert(session, table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[column.name for column in columns if column.primary_key],
        set_={"count": columns["count"] + statement.excluded["count"]},
    )
    session.execute(statement)


def in_written_order(session: Session, table: type[Row], *where: Any) -> list[Row]:
    """The rows of `table` that match, in the order they were written (by id): a comment's
    history, its revisions, its reports."""
    query = select(table).where(*where).order_by(table.__table__.c.id)  # type: ignore[attr-defined]
    return list(session.exec(query).all())


def utcnow() -> datetime:
    return datetime.now(UTC)
