"""Schemathesis against the service's own OpenAPI document, as a stranger, a reader, a moderator
and an admin, with data the document allows and data it does not: no answer may be a 5xx, differ
from the document (status, headers, body) or be an error without `{"error", "detail"}`.

Bounded (`FUZZ_EXAMPLES` per operation, identity and mode; `COMMENTMOD_FUZZ_EXAMPLES` raises it)
so `make test` stays within minutes on both databases."""

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from service.core.settings import Settings
from tests.support.factories import SignedIn, held, published

FUZZ_EXAMPLES = int(os.environ.get("COMMENTMOD_FUZZ_EXAMPLES", "8"))
DOCUMENT = create_app(Settings(database_url="sqlite://", scorer="embedded")).openapi()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
IDENTITIES = ("stranger", "reader", "moderator", "admin")
CASES = sorted(
    (method.upper(), path, mode)
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # Data against the document needs somewhere to go: a parameter or a body.
    if mode == GenerationMode.POSITIVE
    or operation.get("parameters")
    or operation.get("requestBody")
)


def error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error answer has the error body."""
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict), body
        assert isinstance(body.get("error"), str), body
        assert isinstance(body.get("detail"), str), body
    return None


CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    error_envelope,
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with every rate limit off: the fuzzer calls fast."""
    return settings.model_copy(
        update={"login_rate_limits": "", "report_rate_limits": "", "comment_rate_limits": ""}
    )


@pytest.fixture
def people(
    client: TestClient, reader: SignedIn, moderator: SignedIn, admin: SignedIn
) -> tuple[TestClient, dict[str, SignedIn]]:
    """The app with some comments to act on, and a token for each identity."""
    for _ in range(2):
        published(client, reader)
        held(client, reader)
    return client, {"reader": reader, "moderator": moderator, "admin": admin}


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_no_answer_breaks_the_contract(
    people: tuple[TestClient, dict[str, SignedIn]],
    method: str,
    path: str,
    identity: str,
    mode: GenerationMode,
) -> None:
    client, tokens = people
    strategy = SCHEMA[path][method].as_strategy(generation_mode=mode)
    who = tokens.get(identity)

    @hypothesis_settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(strategy)
        request = case.as_transport_kwargs(base_url="http://testserver")
        headers = dict(request.get("headers") or {})
        if who is not None:  # the identity's own token, whatever the generator put there
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            headers["Authorization"] = f"Bearer {who.token}"
        if request.get("cookies"):
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in request["cookies"].items())
        response = client.request(
            request["method"],
            request["url"],
            headers=headers,
            params=request.get("params"),
            content=request.get("data"),
            json=request.get("json"),
            files=request.get("files"),
        )
        case.validate_response(response, checks=CHECKS)

    run()
