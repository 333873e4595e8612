"""The OpenAPI document, completed so that it tells the truth about every operation: the error
body on every error status (FastAPI's own 422 model is not what the service sends), the errors
any route can meet (400, 413, 500, 503 when it needs the database), which routes a visitor may
call without signing in, the session cookie under its configured name, and integers' bounds
exactly (FastAPI's model rounds 2^63-1 up)."""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from auth.deps import AUTHENTICATING, cookie_scheme, presented_credentials
from service.core.db import MAX_ID, DatabaseBusy, DatabaseUnavailable
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
from service.core.schemas import SHOWN_TEXT, shown_text_schemas

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
    _exact_integer_bounds(document)
    shown = _refer_shown_texts(document, set())
    document["components"]["schemas"].update(
        {name: schema for name, schema in shown_text_schemas().items() if name in shown}
    )


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
        _add(document, operation, DatabaseBusy)
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
    "description": "Seconds to wait before trying again (with `rate_limited`, "
    "`database_unavailable` and `database_busy`).",
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


BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
FLOAT_EXACT = 2**53
"""Integers up to this one are exact as floats."""


def _exact_integer_bounds(node: Any) -> None:
    """FastAPI passes the document through its own model, whose bounds are floats, so the bounds
    of an integer come out as floats, and 2^63-1 (`MAX_ID`) as 2^63 (9.223372036854776e18): a
    maximum one above the largest id the service takes, and 1.0 where it means 1. An integer's
    bounds are put back as integers; the one bound beyond a float's 53 bits is `MAX_ID` (a new
    one fails here, where it can be looked at)."""
    if isinstance(node, list):
        for item in node:
            _exact_integer_bounds(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "integer":
        for bound in BOUNDS:
            value = node.get(bound)
            if not isinstance(value, float):
                continue
            if value.is_integer() and abs(value) < FLOAT_EXACT:
                node[bound] = int(value)
            elif abs(value) == float(MAX_ID):
                node[bound] = MAX_ID if value > 0 else -MAX_ID
            else:
                raise ValueError(f"an integer's {bound} that a float cannot hold exactly: {value}")
    for child in node.values():
        _exact_integer_bounds(child)


def _refer_shown_texts(node: Any, found: set[str]) -> set[str]:
    """Refers every text marked as needing a character a reader sees (`core.schemas.Shown`) to
    the schema that says so (`ShownLine`, `ShownParagraphs`); the names of those referred to."""
    if isinstance(node, list):
        for item in node:
            _refer_shown_texts(item, found)
    elif isinstance(node, dict):
        name = node.pop(SHOWN_TEXT, None)
        if name is not None:
            node["allOf"] = [{"$ref": SCHEMAS + name}, *node.get("allOf", [])]
            found.add(name)
        for child in node.values():
            _refer_shown_texts(child, found)
    return found


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
