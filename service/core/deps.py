"""Request dependencies every feature uses: settings, the database and the request's unit of
work, the scorer and the rate limits, all built once by `service.app.create_app`. The getters
are `async` so they run on the event loop: a route that needs no database needs no worker
thread, and keeps answering when every thread waits on a stalled database."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from moderation.scoring.bounded import BoundedScorer
from service.core.db import Database
from service.core.ratelimit import Limits
from service.core.settings import Settings


async def get_settings_from_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """The request's unit of work: services flush, this commits (or rolls back on an error)."""
    with database.session() as session:
        yield session


async def get_scoring(request: Request) -> BoundedScorer:
    scoring: BoundedScorer = request.app.state.scoring
    return scoring


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


async def client_ip(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
DatabaseDep = Annotated[Database, Depends(get_database)]
# scope="function": the transaction commits before the response is sent, so a 2xx means stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ScoringDep = Annotated[BoundedScorer, Depends(get_scoring)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
ClientIp = Annotated[str, Depends(client_ip)]
