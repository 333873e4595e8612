"""Liveness for load balancers and the Docker HEALTHCHECK, naming the model that scores."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.core.deps import DatabaseDep, ScoringDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(database: DatabaseDep, scoring: ScoringDep) -> JSONResponse:
    scorer: dict[str, Any] = {"model_id": scoring.model_id}
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(
            {
                "error": "database_unavailable",
                "detail": "The database cannot be reached.",
                "status": "unavailable",
                "database": "unavailable",
                "scorer": scorer,
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok", "scorer": scorer})
