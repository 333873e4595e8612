"""The database: engine, units of work and column types. The naming convention is set here,
before any table class is defined."""

import fcntl
import itertools
import logging
import math
import os
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio.to_thread
from sqlalchemy import (
    BigInteger,
    Connection,
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
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.sql.elements import TextClause
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
        """How long one statement may wait on a PostgreSQL server before the watchdog cuts
        its connection, whatever its probe found: twice a statement's time-out, so a server
        that runs its timers always answers first."""
        return 2 * self.statement


POOL_OVERFLOW = 10
"""PostgreSQL connections a worker may open beyond its pool in a burst (closed after use)."""

IDLE_IN_TRANSACTION_MS = 60_000
"""A transaction left idle this long (a stuck request holding locks) is ended by the server.
No unit of work waits on anything but the database inside a transaction, so this is only a
bound for bugs, generous enough for any pause of a busy process."""

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
            "options": (
                f"{options} -c statement_timeout={statement_ms}"
                f" -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
            ).strip(),
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
        _guard_checkouts(engine, hold=timeouts.hold, connect_args=connect_args)
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


PROBE_AFTER = 1.0
"""Seconds a statement may run before the watchdog asks whether the server still answers a
new connection (most statements take milliseconds; one waiting on a lock may take seconds)."""

TICK = 0.25
"""While a statement waits on the server, the watchdog wakes at least this often, so it knows
within a tick when the process stopped running (see `PAUSE_FORGIVEN`)."""
PAUSE_FORGIVEN = 0.5
"""Seconds the watchdog may wake late before it takes the process to have been paused (CPU
starvation, a frozen virtual machine, a thread holding the interpreter): time the process did
not run is no sign the server stopped answering, and the statements in flight could not read
their answers meanwhile, so that time is not counted against them, up to one `hold` each (a
process that never runs on time still cuts a stalled statement, late)."""


class _StallGuard:
    """One engine's side of the watchdog: how to ask whether its server still answers (a new
    connection, bounded by the connect time-out), and whom to tell when it does not."""

    def __init__(self, probe: Callable[[], None]) -> None:
        self.probe = probe
        self.listeners: list[Callable[[str], None]] = []
        self.probing = False
        self.probed_at = -math.inf


@dataclass
class _Watched:
    duplicate: socket.socket
    """A duplicate of the connection's socket, ours until it is disarmed or cut: its number
    cannot go to another socket meanwhile, whatever libpq does with its own."""
    guard: _StallGuard
    hold: float
    running_since: float | None
    """When the statement (or commit, rollback, ping) now waiting on the server began; None
    while the connection is in the caller's hands between statements."""
    forgiven: float = 0.0
    """Seconds of process pauses not counted against the statement now waiting."""

    @property
    def deadline(self) -> float:
        return math.inf if self.running_since is None else self.running_since + self.hold


class _SocketWatchdog:
    """One daemon thread for every checked-out PostgreSQL connection. libpq has no client-side
    read time-out, and `statement_timeout` needs a server that still runs its timers, so a
    server that hangs in mid-conversation (a frozen backend, a stuck pooler: its kernel still
    acknowledges) would hold a request for ever. Two ways out:

    - a statement that has run `PROBE_AFTER` seconds makes the watchdog open a new connection
      to its server (one at a time per engine); if that fails within the connect time-out,
      the server is stalled: every connection to it is cut (its socket shut down, which wakes
      the thread blocked reading it with an error) and the engine's listeners are told (the
      outage breaker), so nothing waits longer than about the probe's delay plus the connect
      time-out;
    - a statement still waiting on the server `hold` seconds after it began is cut whatever
      the probe said.

    Only time spent waiting on the server counts: a connection the caller holds between
    statements is the caller's (its code, not the server, is slow; PostgreSQL's
    `idle_in_transaction_session_timeout` bounds that), and a pause of the whole process
    (`PAUSE_FORGIVEN`) is not counted. The watchdog shuts down its own duplicate of each
    socket, so it never reaches a socket that took the number since."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._watched: dict[int, _Watched] = {}
        self._cut: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None
        self._sleeping_until = math.inf

    def arm(self, socket_fd: int, seconds: float, guard: _StallGuard) -> int:
        """Watches a connection just checked out, as running (its ping) until
        `statement_ended`."""
        duplicate = socket.socket(fileno=os.dup(socket_fd))
        with self._condition:
            token = next(self._tokens)
            now = time.monotonic()
            self._watched[token] = _Watched(duplicate, guard, seconds, running_since=now)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="database-watchdog", daemon=True
                )
                self._thread.start()
            self._wake_by(now, now + min(seconds, PROBE_AFTER, TICK))
            return token

    def statement_started(self, token: int) -> None:
        with self._condition:
            watched = self._watched.get(token)
            if watched is not None:
                now = time.monotonic()
                watched.running_since, watched.forgiven = now, 0.0
                self._wake_by(now, now + min(watched.hold, PROBE_AFTER, TICK))

    def statement_ended(self, token: int) -> None:
        with self._condition:
            watched = self._watched.get(token)
            if watched is not None:
                watched.running_since = None

    def disarm(self, token: int) -> bool:
        """Stops watching; True when the connection had already been cut."""
        with self._condition:
            watched = self._watched.pop(token, None)
            if watched is not None:
                watched.duplicate.close()
            if token in self._cut:
                self._cut.discard(token)
                return True
            return False

    def _wake_by(self, now: float, moment: float) -> None:
        """Under the condition: wakes the thread if it would sleep past `moment` (else it wakes
        in time anyway, and the caller pays no thread switch); it is due awake from `now`."""
        if moment < self._sleeping_until:
            self._sleeping_until = now
            self._condition.notify()

    def _watch(self) -> None:
        while True:
            with self._condition:
                now = time.monotonic()
                paused = self._forgive_pause(now)
                due = [t for t, watched in self._watched.items() if watched.deadline <= now]
                self._cut_off(due)
                to_probe = self._guards_to_probe(now)
                if not to_probe:
                    self._sleeping_until = self._next_wake(now)
                    timeout = self._sleeping_until - now
                    self._condition.wait(timeout if timeout != math.inf else None)
            if paused:
                logger.info("the process did not run for %.1f s; not counted against it", paused)
            if due:
                logger.warning("cut %d database connection(s) busy for too long", len(due))
            for guard in to_probe:
                threading.Thread(
                    target=self._probe, args=(guard,), name="database-probe", daemon=True
                ).start()

    def _forgive_pause(self, now: float) -> float:
        """Under the condition: when the thread wakes well after it meant to, the process did
        not run meanwhile; each statement in flight has that time back (up to its hold in
        all). The seconds forgiven, or 0."""
        meant, self._sleeping_until = self._sleeping_until, -math.inf  # awake: arms need not notify
        late = now - meant
        if not math.isfinite(meant) or late <= PAUSE_FORGIVEN:
            return 0.0
        for watched in self._watched.values():
            if watched.running_since is not None:
                given = min(late, watched.hold - watched.forgiven)
                watched.running_since += given
                watched.forgiven += given
        return late

    def _cut_off(self, tokens: list[int]) -> None:
        """Under the condition."""
        for token in tokens:
            cut = self._watched.pop(token).duplicate
            with suppress(OSError):  # already closed by the server: nothing to wake
                cut.shutdown(socket.SHUT_RDWR)
            cut.close()
        self._cut.update(tokens)

    def _guards_to_probe(self, now: float) -> list[_StallGuard]:
        """Under the condition: the engines with a statement running past `PROBE_AFTER` and no
        probe running or made in the last `PROBE_AFTER` seconds; marked as probing."""
        guards = {
            id(w.guard): w.guard
            for w in self._watched.values()
            if w.running_since is not None and now - w.running_since >= PROBE_AFTER
        }
        chosen = [
            guard
            for guard in guards.values()
            if not guard.probing and now - guard.probed_at >= PROBE_AFTER
        ]
        for guard in chosen:
            guard.probing = True
        return chosen

    def _next_wake(self, now: float) -> float:
        """Under the condition: the earliest deadline, moment a statement becomes slow, or
        tick while one waits."""
        running = [w for w in self._watched.values() if w.running_since is not None]
        moments = [w.deadline for w in running]
        moments += [
            max(w.running_since + PROBE_AFTER, w.guard.probed_at + PROBE_AFTER)
            for w in running
            if w.running_since is not None and not w.guard.probing
        ]
        if running:
            moments.append(now + TICK)
        return min(moments, default=math.inf)

    def _probe(self, guard: _StallGuard) -> None:
        try:
            guard.probe()
            cause = None
        except Exception as exc:  # noqa: BLE001 - whatever the failure, no answer
            cause = f"a slow statement, and a new connection failed too ({_first_line(exc)})"
        with self._condition:
            guard.probing, guard.probed_at = False, time.monotonic()
            if cause is None:
                return
            stalled = [t for t, watched in self._watched.items() if watched.guard is guard]
            self._cut_off(stalled)
        if stalled:
            logger.warning(
                "cut %d connection(s) to a database that stopped answering", len(stalled)
            )
        for listener in guard.listeners:
            listener(cause)


_WATCHDOG = _SocketWatchdog()
_GUARDS: "weakref.WeakKeyDictionary[Engine, _StallGuard]" = weakref.WeakKeyDictionary()


def _guard_checkouts(engine: Engine, *, hold: float, connect_args: dict[str, Any]) -> None:
    """Every checkout arms the watchdog and then checks the connection is alive (what
    `pool_pre_ping` would do unguarded); every statement, commit, rollback and reset marks the
    connection as waiting on the server until it returns; every checkin disarms it, and a
    connection the watchdog cut meanwhile is pinged before it is handed out again."""

    def probe() -> None:
        """A new connection, outside the pool, bounded by the connect time-out."""
        arguments, keywords = engine.dialect.create_connect_args(engine.url)
        engine.dialect.loaded_dbapi.connect(*arguments, **{**keywords, **connect_args}).close()

    guard = _GUARDS[engine] = _StallGuard(probe)

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        token = _WATCHDOG.arm(dbapi_connection.pgconn.socket, hold, guard)
        record.info["watchdog"] = token
        if time.monotonic() - record.info.get("checked_in_at", -math.inf) < RECENTLY_USED:
            _WATCHDOG.statement_ended(token)
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            if _WATCHDOG.disarm(record.info.pop("watchdog")):
                raise ConnectionCut() from exc  # the server hangs: a new connection would too
            raise DisconnectionError(str(exc)) from exc  # a stale one: the pool tries another
        _WATCHDOG.statement_ended(token)

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        token = record.info.pop("watchdog", None)
        if token is not None and _WATCHDOG.disarm(token):
            record.info.pop("checked_in_at", None)  # cut after its last statement returned
            return
        record.info["checked_in_at"] = time.monotonic()

    def waiting_on_server(record: Any) -> None:
        token = record.info.get("watchdog")
        if token is not None:
            _WATCHDOG.statement_started(token)

    def answered(record: Any) -> None:
        token = record.info.get("watchdog")
        if token is not None:
            _WATCHDOG.statement_ended(token)

    def statement_starts(connection: Connection, *_: Any) -> None:
        waiting_on_server(connection.connection)

    def statement_ends(connection: Connection, *_: Any) -> None:
        answered(connection.connection)

    def statement_failed(context: ExceptionContext) -> None:
        """A statement that raised is over too (no `after_cursor_execute` follows); a
        disconnect is the invalidation's to handle."""
        connection = context.connection
        if connection is not None and not context.is_disconnect and not connection.invalidated:
            answered(connection.connection)

    def ends_transaction(connection: Connection) -> None:
        """A commit or rollback waits on the server too, until the next statement or the
        checkin (no event follows it)."""
        if not connection.invalidated:  # a broken one is rolled back without the server
            waiting_on_server(connection.connection)

    def resets(_dbapi_connection: Any, record: Any, _state: Any) -> None:
        waiting_on_server(record)

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    event.listen(engine, "before_cursor_execute", statement_starts)
    event.listen(engine, "after_cursor_execute", statement_ends)
    event.listen(engine, "handle_error", statement_failed)
    event.listen(engine, "commit", ends_transaction)
    event.listen(engine, "rollback", ends_transaction)
    event.listen(engine, "reset", resets)

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

    def __init__(
        self,
        retry_after: int,
        detail: str = "The database cannot be reached right now; try again shortly.",
    ) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class DatabaseBusy(DatabaseUnavailable):
    """The database is up but busy: another writer held its lock (on SQLite, perhaps another
    process: a backup, the `sqlite3` shell) or a statement ran out of time; try again shortly."""

    code = "database_busy"

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after, "The database is busy right now; try again shortly.")


UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeout, ConnectionCut)
"""What a database that is down, stalled, overloaded or locked raises."""

BUSY_SQLSTATES = {
    "57014": "a statement ran past the statement time-out",
    "55P03": "a lock was not available",
    "40P01": "a deadlock",
    "40001": "a serialization failure",
}
"""PostgreSQL's answers that mean contention on a server that works."""


def busy_cause(error: BaseException) -> str | None:
    """Why a reachable database refused the work (a lock, a time-out), or None when the error
    says the database itself is down or unreachable."""
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in BUSY_SQLSTATES:
        return BUSY_SQLSTATES[sqlstate]
    if isinstance(original, sqlite3.OperationalError) and "locked" in str(original):
        return "SQLite's write lock stayed taken for the busy time-out"
    return None


class UndeclaredWrite(RuntimeError):
    """A unit of work opened as read-only tried to write: a bug. On SQLite such a transaction
    fails whenever another writer commits between its first read and its first write, so
    every unit of work that writes says so (`Database.session(writes=True)`)."""


WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})


@event.listens_for(Session, "do_orm_execute")
def _refuse_undeclared_statement(state: ORMExecuteState) -> None:
    if state.session.info.get("writes") is not False:
        return  # not a `Database` unit of work (tests arranging data), or one that writes
    if state.is_insert or state.is_update or state.is_delete:
        raise UndeclaredWrite(f"{state.statement} in a read-only unit of work")
    if isinstance(state.statement, TextClause):
        verb = state.statement.text.lstrip().split(None, 1)[0].upper()
        if verb in WRITE_VERBS:
            raise UndeclaredWrite(f"{state.statement.text} in a read-only unit of work")


@event.listens_for(Session, "before_flush")
def _refuse_undeclared_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get("writes") is not False:
        return
    if session.new or session.deleted or any(session.is_modified(row) for row in session.dirty):
        raise UndeclaredWrite("a flush of changed rows in a read-only unit of work")


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
    """For a database that cannot be reached: after a failure to connect, requests fail fast
    for `cooldown` seconds instead of each waiting out a time-out (and tying up a worker
    thread); then one request at a time tries again, until one gets a connection. Contention
    on a database that answers (a lock, a slow statement, a full pool) never opens it."""

    def __init__(self, cooldown: float) -> None:
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._failing = False
        self._retry_at = 0.0
        self._trying = False
        self._refused = 0

    def admit(self) -> Literal["go", "try", "refuse"]:
        """`go` while the database answers; once it failed, `refuse` during the cool-down and
        while another request is trying, else `try` (this request is the one that tries)."""
        with self._lock:
            if not self._failing:
                return "go"
            if self._trying or time.monotonic() < self._retry_at:
                self._refused += 1
                return "refuse"
            self._trying = True
            return "try"

    def end_trial(self) -> None:
        """The trying request is done; if it never reached the database (its input was refused
        first), the next request may try."""
        with self._lock:
            self._trying = False

    @property
    def failing(self) -> bool:
        return self._failing

    def succeeded(self) -> None:
        if self._failing:
            with self._lock:
                if self._failing:
                    logger.warning(
                        "the database answers again; %d request(s) were refused with 503 "
                        "database_unavailable meanwhile",
                        self._refused,
                    )
                self._failing = self._trying = False
                self._refused = 0

    def failed(self, cause: str) -> None:
        with self._lock:
            if not self._failing:
                logger.warning(
                    "the database cannot be reached (%s): answering 503 database_unavailable "
                    "for %.0f s, then trying one request at a time",
                    cause,
                    self.cooldown,
                )
            self._failing, self._trying = True, False
            self._retry_at = time.monotonic() + self.cooldown


class BreakerOpen(Exception):
    """A connection asked for while the database is known to be unreachable."""


class WriteTurnTimeout(Exception):
    """A SQLite writer waited its whole time for its turn."""


class _SqliteWriters:
    """Writers take turns on a SQLite file: first within the process (a lock), then across
    worker processes (`flock` on a file beside the database, tried every millisecond), then
    SQLite's own lock (`BEGIN IMMEDIATE`, which also waits for other programs such as a
    backup or the `sqlite3` shell): the next writer starts as soon as the last one commits,
    where SQLite's own busy handler would sleep up to 100 ms between tries. The three waits
    share one deadline, the statement time-out, then 503 `database_busy`."""

    def __init__(self, engine: Engine, timeout: float) -> None:
        database = sqlite_file(engine.url)
        self._path = None if database is None else f"{database}-writers"
        self._timeout = timeout
        self._local = threading.Lock()

    @contextmanager
    def turn(self) -> Iterator[float]:
        """Waits for this process's and the other workers' writers; yields the seconds left
        for SQLite's own lock."""
        deadline = time.monotonic() + self._timeout
        if not self._local.acquire(timeout=self._timeout):
            raise WriteTurnTimeout(f"waited {self._timeout:g} s behind this worker's writers")
        try:
            if self._path is None:
                yield max(0.0, deadline - time.monotonic())
                return
            with open(self._path, "a") as lock_file:
                self._lock_across_processes(lock_file.fileno(), deadline)
                yield max(0.0, deadline - time.monotonic())  # closing the file unlocks
        finally:
            self._local.release()

    def _lock_across_processes(self, fd: int, deadline: float) -> None:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WriteTurnTimeout(
                        f"waited {self._timeout:g} s behind other workers' writers"
                    ) from None
                time.sleep(0.001)


class Database:
    """The engine and the ways work reaches it: a unit of work in the calling thread, or one in
    a worker thread for async code that must not block the event loop. Either answers 503
    within the time-outs: `database_unavailable` (with Retry-After) when the database is down
    or stalled, and at once while it is known to be; `database_busy` when it answers but a
    lock or a statement took too long. Each 503 is logged with its cause."""

    def __init__(self, engine: Engine, *, cooldown: float = 2.0, write_wait: float = 5.0) -> None:
        self.engine = engine
        self._breaker = _Breaker(cooldown)
        self._committed: list[Callable[[dict[Any, Any]], None]] = []
        self._sqlite_writers = (
            _SqliteWriters(engine, timeout=write_wait) if engine.dialect.name == "sqlite" else None
        )
        self._trial = threading.local()
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "checkout", self._refuse_while_down, insert=True)  # before the ping
        event.listen(engine, "do_connect", self._refuse_while_down)
        event.listen(engine, "handle_error", self._failed_to_connect)
        guard = _GUARDS.get(engine)
        if guard is not None:
            guard.listeners.append(self._breaker.failed)

    @classmethod
    def connect(
        cls, database_url: str, timeouts: Timeouts | None = None, *, pool_size: int = 20
    ) -> "Database":
        timeouts = timeouts or Timeouts()
        engine = make_engine(database_url, timeouts, pool_size=pool_size)
        return cls(engine, write_wait=timeouts.statement)

    def _connected(self, *_: Any) -> None:
        self._breaker.succeeded()

    def _refuse_while_down(self, *_: Any) -> None:
        """Units of work let in before the outage was known fail here at once, instead of
        waiting out a connection's time-out; only the one trying again gets through."""
        if self._breaker.failing and not getattr(self._trial, "active", False):
            raise BreakerOpen()

    def _failed_to_connect(self, context: ExceptionContext) -> None:
        if context.is_disconnect or context.connection is None:
            self._breaker.failed(_first_line(context.original_exception))

    @property
    def _retry_after(self) -> int:
        return max(1, math.ceil(self._breaker.cooldown))

    def _unavailable(self, cause: str) -> DatabaseUnavailable:
        logger.warning("answering 503 database_unavailable: %s", cause)
        return DatabaseUnavailable(retry_after=self._retry_after)

    def _busy(self, cause: str) -> DatabaseBusy:
        logger.warning("answering 503 database_busy: %s", cause)
        return DatabaseBusy(retry_after=self._retry_after)

    @contextmanager
    def session(self, *, writes: bool = False) -> Iterator[Session]:
        """One unit of work. `writes`: it will write (a unit of work that does not say so is
        refused any write, `UndeclaredWrite`), so on SQLite it takes the write lock first
        (`BEGIN IMMEDIATE`), queued behind the other writers: a transaction that reads first
        and asks for the lock later is refused by SQLite whenever another writer committed in
        between, and threads that poll its lock make the slowest writes wait longest."""
        admitted = self._breaker.admit()
        if admitted == "refuse":
            raise DatabaseUnavailable(retry_after=self._retry_after)  # logged by the breaker
        self._trial.active = admitted == "try"
        try:
            with ExitStack() as stack:
                left = None
                if writes and self._sqlite_writers is not None:
                    left = stack.enter_context(self._sqlite_writers.turn())
                session = stack.enter_context(session_scope(self.engine))
                session.info["writes"] = writes
                if left is not None:
                    session.execute(text(f"PRAGMA busy_timeout={max(1, int(left * 1000))}"))
                    session.execute(text("BEGIN IMMEDIATE"))
                yield session
            self._breaker.succeeded()
            for listener in self._committed:
                listener(session.info)
        except BreakerOpen as exc:
            raise DatabaseUnavailable(retry_after=self._retry_after) from exc
        except WriteTurnTimeout as exc:
            raise self._busy(str(exc)) from exc
        except ConnectionCut as exc:
            self._breaker.failed("a new connection's first query did not answer")
            raise self._unavailable("the database stopped answering") from exc
        except PoolTimeout as exc:
            raise self._unavailable("no free connection in the pool in time") from exc
        except UNAVAILABLE_ERRORS as exc:
            cause = busy_cause(exc)
            if cause is not None:
                raise self._busy(cause) from exc
            raise self._unavailable(_first_line(exc)) from exc
        finally:
            if admitted == "try":
                self._trial.active = False
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

    def listen_url(self) -> str | None:
        """Where a worker listens for notifications (PostgreSQL's `LISTEN`, by psycopg
        directly), or None on SQLite."""
        url = self.engine.url
        if url.get_backend_name() != "postgresql":
            return None
        return url.set(drivername="postgresql").render_as_string(hide_password=False)

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
    return dialect_insert(session, table).on_conflict_do_nothing()


def dialect_insert(session: Session, table: type[SQLModel] | Table) -> Any:
    """The session's dialect's `INSERT`, which has `ON CONFLICT`."""
    return insert_in(session.get_bind().dialect.name, table)


def insert_in(dialect: str, table: type[SQLModel] | Table) -> Any:
    """The dialect's `INSERT`, which has `ON CONFLICT`: for statements built once per dialect."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(table)


def table_of(model: type[SQLModel]) -> Table:
    """A model's table, for Core statements on the hot paths: built once and run without the
    ORM's handling of statement and result, which costs more than the query."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


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
    statement = dialect_insert(session, table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[column.name for column in columns if column.primary_key],
        set_={"count": columns["count"] + statement.excluded["count"]},
    )
    session.execute(statement)


def upsert(session: Session, table: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """`INSERT … ON CONFLICT DO UPDATE`: each row replaces the one with its primary key, so two
    writers of the same row (two workers) end with one of them, never a conflict."""
    if not rows:
        return
    columns = table.__table__.c  # type: ignore[attr-defined]
    statement = dialect_insert(session, table).values(rows)
    keys = [column.name for column in columns if column.primary_key]
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: statement.excluded[name] for name in rows[0] if name not in keys},
    )
    session.execute(statement)


def in_written_order(session: Session, table: type[Row], *where: Any) -> list[Row]:
    """The rows of `table` that match, in the order they were written (by id): a comment's
    history, its revisions, its reports."""
    query = select(table).where(*where).order_by(table.__table__.c.id)  # type: ignore[attr-defined]
    return list(session.exec(query).all())


def utcnow() -> datetime:
    return datetime.now(UTC)


def _first_line(error: BaseException) -> str:
    """An error's first line, for a log: the driver's message without the SQL and its
    parameters (which may hold a reader's text)."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"
