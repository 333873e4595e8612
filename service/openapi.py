"""The OpenAPI document, completed so that it tells the truth about every operation: the error
body on every error status (FastAPI's own 422 model is not what the service sends), the errors
any route can meet (400, 413, 500, 503 when it needs the database), which routes a visitor may
call without signing in, and the session cookie under its configured name."""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from auth.deps import AUTHENTICATING, cookie_scheme, presented_credentials
from service.core.db import DatabaseUnavailable
from service.core.deps import get_database
from service.core.errors import (
    AppError,
    BadRequest,
    InternalError,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
    error_model,
    error_summary,
)

SCHEMAS = "#/components/schemas/"


def install_openapi(app: FastAPI, *, cookie_name: str) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _complete(build(), app, cookie_name)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(document: dict[str, Any], app: FastAPI, cookie_name: str) -> None:
    schemes = document.setdefault("components", {}).get("securitySchemes", {})
    if cookie_scheme.scheme_name in schemes:
        schemes[cookie_scheme.scheme_name]["name"] = cookie_name
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            _complete_operation(document, operation, route)
    for unused in ("HTTPValidationError", "ValidationError"):
        document["components"]["schemas"].pop(unused, None)


def _complete_operation(
    document: dict[str, Any], operation: dict[str, Any], route: RouteContext
) -> None:
    calls = set(_calls(route.dependant))
    responses = operation["responses"]
    if "HTTPValidationError" in str(responses.get("422", "")):
        del responses["422"]
    if route.dependant.path_params:
        _add(document, operation, NotFound)  # a path segment no route takes
    if route.dependant.path_params or route.dependant.query_params or route.body_field:
        _add(document, operation, Unprocessable)
    if route.body_field is not None:
        _add(document, operation, BadRequest)
    _add(document, operation, PayloadTooLarge)
    if get_database in calls:
        _add(document, operation, DatabaseUnavailable)
    _add(document, operation, InternalError)
    _document_headers(operation)
    if presented_credentials in calls and not calls & AUTHENTICATING:
        operation["security"] = [{}, *operation.get("security", [])]  # signing in is optional


def _add(document: dict[str, Any], operation: dict[str, Any], error: type[AppError]) -> None:
    """Adds one error's body to its status in the operation, beside those already there."""
    schemas = document["components"]["schemas"]
    status = str(error.status_code)
    response = operation["responses"].get(status)
    if response is not None and error.code in _codes(schemas, response):
        return
    if error.__name__ not in schemas:
        schemas[error.__name__] = error_model(error).model_json_schema(
            ref_template=SCHEMAS + "{model}"
        )
    reference = {"$ref": SCHEMAS + error.__name__}
    summary = error_summary(error)
    if response is None:
        operation["responses"][status] = {
            "description": summary,
            "content": {"application/json": {"schema": reference}},
        }
        return
    content = response.setdefault("content", {}).setdefault("application/json", {})
    schema = content.get("schema")
    options = schema.get("anyOf", [schema]) if schema else []
    content["schema"] = {"anyOf": [*options, reference]}
    response["description"] = f"{response.get('description', '')}\n{summary}".strip()


RETRY_AFTER = {
    "description": "Seconds to wait before trying again (with `rate_limited` and "
    "`database_unavailable`).",
    "schema": {"type": "integer", "minimum": 1},
}
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the same "
    "`Idempotency-Key`.",
    "schema": {"type": "string", "enum": ["true"]},
}


def _document_headers(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status in ("429", "503"):
        if status in responses:
            responses[status].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
    keyed = any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    if keyed:
        for status, response in responses.items():
            if status.startswith("2"):
                response.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED


def _codes(schemas: dict[str, Any], response: dict[str, Any]) -> set[str]:
    """The error codes a documented response already has."""
    schema = response.get("content", {}).get("application/json", {}).get("schema") or {}
    found = set()
    for option in schema.get("anyOf", [schema]):
        body = schemas.get(option.get("$ref", "").removeprefix(SCHEMAS), option)
        code = body.get("properties", {}).get("error", {}).get("const")
        if code is not None:
            found.add(code)
    return found


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)
