"""Request dependencies shared by every router: the database session, settings and the scorer."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem
from sqlmodel import Session

from service.db import session_scope
from service.policy_store import PolicyStore
from service.ratelimit import RateLimiter
from service.scoring import ScoringService
from service.settings import Settings


def get_settings_from_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    yield from session_scope(request.app.state.engine)


def get_scoring(request: Request) -> ScoringService:
    scoring: ScoringService = request.app.state.scoring
    return scoring


def get_policy_store(request: Request) -> PolicyStore:
    store: PolicyStore = request.app.state.policy
    return store


@dataclass(frozen=True)
class Limits:
    limiter: RateLimiter
    comments: list[RateLimitItem]
    logins: list[RateLimitItem]
    reports: list[RateLimitItem]


def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


def client_ip(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
# scope="function": the transaction commits before the response is sent, so a 2xx means stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ScoringDep = Annotated[ScoringService, Depends(get_scoring)]
PolicyDep = Annotated[PolicyStore, Depends(get_policy_store)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
