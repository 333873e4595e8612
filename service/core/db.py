"""The database: engine, units of work and column types. The naming convention is set here,
before any table class is defined."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import DateTime, Dialect, Engine, MetaData, TypeDecorator, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

T = TypeVar("T")


def normalise_database_url(url: str) -> str:
    """Accepts the `postgresql://` URLs operators copy around and uses the psycopg 3 driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(database_url: str, **engine_args: Any) -> Engine:
    url = make_url(normalise_database_url(database_url))
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **engine_args)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False}, **engine_args)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work while a comment is written; SQLite ignores foreign keys unless
    asked."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. Services only flush; this,
    the request's session dependency (built on it) and `Database.run` are what commit."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Database:
    """The engine and the two ways work reaches it: a unit of work in the calling thread, or one
    in a worker thread for async code that must not block the event loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def connect(cls, database_url: str) -> "Database":
        return cls(make_engine(database_url))

    def session(self) -> AbstractContextManager[Session]:
        return session_scope(self.engine)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Runs `work` in its own short transaction, in a worker thread."""

        def unit_of_work() -> T:
            with session_scope(self.engine) as session:
                return work(session)

        return await anyio.to_thread.run_sync(unit_of_work)

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


def utcnow() -> datetime:
    return datetime.now(UTC)
