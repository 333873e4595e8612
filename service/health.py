"""Liveness for load balancers and the Docker HEALTHCHECK, naming the model that scores."""

from typing import Literal

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.core.db import DatabaseUnavailable
from service.core.deps import DatabaseDep, ScoringDep
from service.core.schemas import Schema
from service.quality.shadow import ShadowScoring

router = APIRouter(tags=["health"])


class ShadowHealth(Schema):
    """The model on trial (`COMMENTMOD_SHADOW_SCORER`) and what this worker did with it since it
    started."""

    model_id: str
    scored: int
    failed: int
    dropped: int
    """Not scored: the queue was full (a shadow slower than the traffic) or the worker stopped."""
    waiting: int


class ScorerHealth(Schema):
    model_id: str
    shadow: ShadowHealth | None = None


def _scorer_health(request: Request, model_id: str) -> ScorerHealth:
    shadow: ShadowScoring | None = request.app.state.shadow
    if shadow is None:
        return ScorerHealth(model_id=model_id)
    counts = shadow.counts()
    return ScorerHealth(
        model_id=model_id, shadow=ShadowHealth(model_id=shadow.model_id, **vars(counts))
    )


class Health(Schema):
    status: Literal["ok"]
    database: Literal["ok"]
    scorer: ScorerHealth


class HealthDown(Schema):
    """The database cannot be reached: the error body, and what is known of the rest."""

    error: Literal["database_unavailable"]
    detail: str
    status: Literal["unavailable"]
    database: Literal["unavailable"]
    scorer: ScorerHealth


@router.get("/health", response_model=Health, responses={503: {"model": HealthDown}})
async def health(request: Request, database: DatabaseDep, scoring: ScoringDep) -> JSONResponse:
    """`ok` with the scoring model, or 503 `database_unavailable` within the database time-outs
    (at once while the database is known to be down)."""
    scorer = _scorer_health(request, scoring.model_id)
    try:
        await anyio.to_thread.run_sync(database.ping)
    except DatabaseUnavailable as down:
        body = HealthDown(
            error="database_unavailable",
            detail=down.detail,
            status="unavailable",
            database="unavailable",
            scorer=scorer,
        )
        return JSONResponse(body.model_dump(), status_code=down.status_code, headers=down.headers)
    return JSONResponse(Health(status="ok", database="ok", scorer=scorer).model_dump())
