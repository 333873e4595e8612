"""One error family and its handlers. Every error body is `{"error": code, "detail": text}` plus
the fields its class declares, and each route's OpenAPI entry lists the codes it can answer."""

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal, Union

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ValidationError, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException


class AppError(Exception):
    """An error the API answers on purpose. A subclass names its HTTP status, a stable snake_case
    code and the extra body fields it carries (`fields`: name -> type, for the OpenAPI
    document); its docstring's first line describes it there."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    fields: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


class BadRequest(AppError):
    """The request could not be read at all (a body that is not text)."""

    status_code = 400
    code = "bad_request"


class PayloadTooLarge(AppError):
    """The request body is larger than 64 KiB."""

    status_code = 413
    code = "payload_too_large"


class InternalError(AppError):
    """Something failed on the service's side; the request can be retried."""

    status_code = 500
    code = "internal_error"


class NotAuthenticated(AppError):
    """No session, or one that is unknown, expired or revoked."""

    status_code = 401
    code = "not_authenticated"

    def __init__(self, detail: str = "Sign in to do this.") -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(AppError):
    """Signed in, but not allowed to do this."""

    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    """Nothing is at this address."""

    status_code = 404
    code = "not_found"


class Conflict(AppError):
    """The request conflicts with the resource's current state."""

    status_code = 409
    code = "conflict"


class Unprocessable(AppError):
    """The request breaks the documented schema or a rule of a field; `detail` names the field."""

    status_code = 422
    code = "validation_error"

    @classmethod
    def from_validation(cls, error: ValidationError) -> "Unprocessable":
        return cls(describe_validation_errors(error.errors()))


class ServiceUnavailable(AppError):
    """The service cannot do this right now; try again later."""

    status_code = 503
    code = "service_unavailable"


def describe_validation_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """One line for every problem, `field.path: message`, without pydantic's links."""
    problems = []
    for error in errors:
        location = tuple(error.get("loc", ()))
        if location[:1] == ("body",):
            location = location[1:]
        where = ".".join(str(part) for part in location)
        problems.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return "; ".join(problems)


_models: dict[type[AppError], type[BaseModel]] = {}


def error_model(error: type[AppError]) -> type[BaseModel]:
    """The body of one error as a schema: its code as a constant, `detail`, its fields."""
    if error not in _models:
        extra: dict[str, Any] = {name: (kind, ...) for name, kind in error.fields.items()}
        _models[error] = create_model(
            error.__name__,
            __doc__=error.__doc__,
            error=(Literal[error.code], ...),  # type: ignore[arg-type]
            detail=(str, ...),
            **extra,
        )
    return _models[error]


def error_summary(error: type[AppError]) -> str:
    """One line of a response's description: the code and its docstring's first line."""
    first_line = (error.__doc__ or "").strip().splitlines()[0:1]
    return f"- `{error.code}`" + (f": {first_line[0]}" if first_line else "")


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that documents a route's errors: per status, every code it can
    answer with that status and the body each code has."""
    by_status: dict[int, list[type[AppError]]] = {}
    for error in dict.fromkeys(errors):
        by_status.setdefault(error.status_code, []).append(error)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, group in sorted(by_status.items()):
        models = tuple(error_model(error) for error in group)
        responses[status] = {
            "model": models[0] if len(models) == 1 else Union[models],  # noqa: UP007
            "description": "\n".join(error_summary(error) for error in group),
        }
    return responses


def error_body(*, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail, **extra}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            error_body(code=exc.code, detail=exc.detail, **exc.extra),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            error_body(code=Unprocessable.code, detail=describe_validation_errors(exc.errors())),
            status_code=Unprocessable.status_code,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {400: BadRequest.code, 404: NotFound.code, 405: "method_not_allowed"}
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return JSONResponse(
            error_body(code=codes.get(exc.status_code, "http_error"), detail=str(exc.detail)),
            status_code=exc.status_code,
            headers=headers,
        )


def unexpected_error_response() -> JSONResponse:
    """The answer to an exception no handler took (`UnexpectedErrors` middleware sends it)."""
    return JSONResponse(
        error_body(
            code=InternalError.code,
            detail="Something went wrong on our side. Please try again.",
        ),
        status_code=InternalError.status_code,
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and route.methods and pattern.match(request.url.path):
            methods |= route.methods
    return ", ".join(sorted(methods))
