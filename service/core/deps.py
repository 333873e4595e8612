"""Request dependencies every feature uses: settings, the database and the request's unit of
work, the scorer and the rate limits, all built once by `service.app.create_app`. The getters
are `async` so they run on the event loop: a route that needs no database needs no worker
thread, and keeps answering when every thread waits on a stalled database."""

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session

from moderation.scoring.bounded import BoundedScorer
from service.core.db import Database
from service.core.ratelimit import Allowance, Limits
from service.core.settings import Settings


async def get_settings_from_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(
    request: Request, database: Annotated[Database, Depends(get_database)]
) -> Iterator[Session]:
    """The request's unit of work: services flush, this commits (or rolls back on an error).
    A request that may change something (any method but GET, HEAD, OPTIONS) writes, so on
    SQLite it takes the write lock before its first read (see `Database.session`)."""
    with database.session(writes=request.method not in READING_METHODS) as session:
        yield session


async def get_scoring(request: Request) -> BoundedScorer:
    scoring: BoundedScorer = request.app.state.scoring
    return scoring


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


async def client_ip(request: Request) -> str:
    """The caller's address, the key of every per-address limit: the connection's peer, or
    what a listed proxy forwarded for it (`service.core.forwarded.ForwardedHeaders`)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
DatabaseDep = Annotated[Database, Depends(get_database)]
# scope="function": the transaction commits before the response is sent, so a 2xx means stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ScoringDep = Annotated[BoundedScorer, Depends(get_scoring)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
ClientIp = Annotated[str, Depends(client_ip)]


def counted(allowance_of: Callable[[Limits, str], Allowance]) -> Any:
    """A route dependency, `dependencies=[counted(Limits.logins_from)]`: counts the request
    under per-address limits in a unit of work of its own, kept however the request ends (a
    failed sign-in counts). A route's own dependencies run before its parameters', so on
    SQLite this short write is over before the request's session takes the write lock."""

    def count(database: DatabaseDep, limits: LimitsDep, address: ClientIp) -> None:
        allowance_of(limits, address).take_alone(database)

    return Depends(count)
