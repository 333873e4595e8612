"""Liveness for load balancers and the Docker HEALTHCHECK, naming the model that scores."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> JSONResponse:
    scorer: dict[str, Any] = {"model_id": request.app.state.scoring.model_id}
    try:
        with request.app.state.engine.connect() as connection:
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
