"""One error family and its handlers: every error body is `{"error": code, "detail": text}`."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    error: str
    detail: str


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra
        self.headers: dict[str, str] = {}


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"

    def __init__(self, detail: str = "Sign in to do this.") -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unprocessable(AppError):
    status_code = 422
    code = "validation_error"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that documents a route's errors in OpenAPI."""
    return {
        error.status_code: {
            "model": ErrorBody,
            "description": f"`{error.code}` and related codes",
        }
        for error in errors
    }


def _body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail, **extra}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            _body(exc.code, exc.detail, **exc.extra),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            location = error["loc"][1:] if error["loc"][:1] == ("body",) else error["loc"]
            where = ".".join(str(part) for part in location)
            problems.append(f"{where}: {error['msg']}" if where else error["msg"])
        return JSONResponse(_body("validation_error", "; ".join(problems)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            _body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            _body("internal_error", "Something went wrong on our side. Please try again."),
            status_code=500,
        )
