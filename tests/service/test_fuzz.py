"""Schemathesis against the service's own OpenAPI document, as `st run --checks all` runs it: its
phases (the document's examples; coverage of every boundary, of what lies beyond it and of the
methods a path lacks; random data for and against the document; stateful sequences that feed one
answer's ids to the next request) and every check it has (`schemathesis.checks.CHECKS`), plus
`error_envelope`, as a stranger, a reader, a moderator and an admin, against the app on a real
port over the test's database (both databases). No answer may be a 5xx, differ from the document
(status, content type, headers, body, `Allow`), refuse data the document allows or take data it
refuses, ignore authentication, show one user's objects to another, or be an error without
`{"error", "detail"}`.

Valid data may still break a rule no schema can state, one the document names with its own 422
code: a cursor this API did not issue, `from` after `to`, a reused `Idempotency-Key`, a word with
no letters, settings that conflict once merged with the stored ones, an e-mail address the
library does not read as one; and the admin may switch commenting off, after which a comment gets
the operation's own 503, `commenting_disabled`. Such an answer is the document telling the truth
(`named_rule`). `validation_error` names a request the document does not describe, so valid data
never gets it; and `internal_error`, `database_unavailable` and `database_busy` are always
failures.

Signing out (`SIGNING_OUT`) revokes the identity's token, so those operations run after the rest.
Bounded (`FUZZ_EXAMPLES` per operation and phase; `COMMENTMOD_FUZZ_EXAMPLES` raises it) so `make
test` stays within minutes on both databases. The same run by hand, against a served instance:
`st run http://127.0.0.1:8000/openapi.json --checks all -H "Authorization: Bearer $TOKEN"`."""

import json
import os
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import CHECKS, CheckContext, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, ServerError
from schemathesis.core.transport import Response
from schemathesis.engine import events, from_schema
from schemathesis.generation.case import Case
from schemathesis.hooks import HookContext
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.schemas import BaseSchema

from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.core.settings import Settings
from tests.support.factories import SignedIn, held, published
from tests.support.served import Served

FUZZ_EXAMPLES = int(os.environ.get("COMMENTMOD_FUZZ_EXAMPLES", "8"))
SEED = 20261127
IDENTITIES = ("stranger", "reader", "moderator", "admin")
PEER = {"reader": "other_reader", "moderator": "reader", "admin": "reader"}
"""The user who must not see what each identity reads of its own (`object_level_authorization`
replays those reads as the peer)."""
SIGNING_OUT = ("DELETE /v1/me/sessions", "POST /v1/auth/logout", "DELETE /v1/me")
"""What ends the identity's session (leaving erases the account too): fuzzed last, apart."""
ENDLESS = ("GET /v1/articles/{article_id}/events", "GET /v1/admin/events")
"""Not fuzzed: an endless event stream, whose whole body the fuzzer would wait for. Its own
tests (`tests/service/live`) check its answers, the 422 and the 503 included."""
NOT_OWN = {"validation_error", "internal_error", "database_unavailable", "database_busy"}
SCHEMAS = "#/components/schemas/"


@schemathesis.check
def error_envelope(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every error answer has the error body."""
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict), body
        assert isinstance(body.get("error"), str), body
        assert isinstance(body.get("detail"), str), body
    return None


load_all_checks()
ALL_CHECKS = frozenset(CHECKS.get_all_names())
"""What `--checks all` runs: Schemathesis's every check, and `error_envelope`. Those that need
history or other users get them: the engine records every request, so `use_after_free` and
`ensure_resource_availability` see the stateful phase's sequences (along links Schemathesis
infers from the document: the ids `GET /v1/me/comments` lists to editing and reporting them, a
word added to a list to its removal, a webhook listed to its deliveries);
`ignored_auth` sends each secured operation again without and with broken credentials;
`object_level_authorization` replays what an identity read of its own as `PEER`. The stranger has
no credentials to leave out and no objects of its own, so for it `ignored_auth` asks only that
nothing secured answers 2xx, and `object_level_authorization` finds nothing to replay."""


@dataclass
class Run:
    requests: Counter[str] = field(default_factory=Counter)
    """By phase."""
    operations: set[str] = field(default_factory=set)
    checks: set[str] = field(default_factory=set)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with every rate limit off: the fuzzer calls fast."""
    return settings.model_copy(
        update={
            "login_rate_limits": "",
            "report_rate_limits": "",
            "comment_rate_limits": "",
            "notice_rate_limits": "",
        }
    )


@pytest.fixture
def people(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> dict[str, SignedIn]:
    """Some comments to act on, and the signed-in identities."""
    for _ in range(2):
        published(client, reader)
        held(client, reader)
    return {"reader": reader, "other_reader": other_reader, "moderator": moderator, "admin": admin}


@pytest.fixture
def served(settings: Settings, scorer: Scorer, people: dict[str, SignedIn]) -> Iterator[str]:
    """The app on a real port, as the command line meets it, over the database `people` filled."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Served(create_app(settings, scorer=scorer), port):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("identity", IDENTITIES)
def test_no_answer_breaks_the_contract(
    served: str, people: dict[str, SignedIn], identity: str, tmp_path: Path
) -> None:
    auth = _auth(identity, people, tmp_path)
    schema = _schema(served, auth)
    run = _run(schema.exclude(name=[*SIGNING_OUT, *ENDLESS]))
    # No stateful phase for these alone: there are no links between them to follow.
    signing_out = _run(_schema(served, auth, stateful=False).include(name=list(SIGNING_OUT)))

    failures = {**run.failures, **signing_out.failures}
    requests = run.requests + signing_out.requests
    print(f"{identity}: {requests.total()} requests ({dict(requests)}), {len(failures)} failures")
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures.values())
    operations = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
    }
    assert run.operations | signing_out.operations == operations - set(ENDLESS)
    assert run.checks == ALL_CHECKS, ALL_CHECKS - run.checks


def _auth(identity: str, people: dict[str, SignedIn], folder: Path) -> dict[str, Any]:
    """The identity's Bearer token (none for a stranger), with its peer's, as a Web Fuzzing
    Commons file: the form in which Schemathesis knows more than one user."""
    if identity == "stranger":
        return {}
    document = folder / "users.json"
    document.write_text(
        json.dumps(
            {
                "auth": [
                    {
                        "name": name,
                        "fixedHeaders": [
                            {"name": "Authorization", "value": f"Bearer {person.token}"}
                        ],
                    }
                    for name, person in people.items()
                ]
            }
        )
    )
    peers = [identity, PEER[identity]]
    return {"auth": {"wfc": {"path": str(document), "user": identity, "peers": peers}}}


def _schema(base_url: str, auth: dict[str, Any], *, stateful: bool = True) -> BaseSchema:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "workers": 1,
            # A slow answer on a loaded CI machine is not a server error; a hang still is.
            "request-timeout": 30,
            "checks": {"enabled": True},
            "generation": {"max-examples": FUZZ_EXAMPLES, "mode": "all", "database": "none"},
            "phases": {"stateful": {"enabled": stateful}},
            **auth,
        }
    )
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    own = _own_codes(schema.raw_schema)

    def filter_failure(
        context: HookContext, failure: Failure, case: Case[Any], response: Response
    ) -> bool:
        return not named_rule(failure, response, own[case.operation.label])

    schema.hook(filter_failure)
    return schema


def named_rule(failure: Failure, response: Response, own: dict[int, set[str]]) -> bool:
    """Valid data refused by a rule the document names: a 422 or a 503 with one of the
    operation's own codes."""
    if isinstance(failure, RejectedPositiveData) and response.status_code == 422:
        return bool(response.json().get("error") in own[422])
    if isinstance(failure, ServerError) and response.status_code == 503:
        return bool(response.json().get("error") in own[503])
    return False


def _own_codes(document: dict[str, Any]) -> dict[str, dict[int, set[str]]]:
    """Each operation's own 422 and 503 codes, as its document lists them: not those of a
    request the document does not describe, nor of the plumbing."""
    schemas = document["components"]["schemas"]
    own = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            own[f"{method.upper()} {path}"] = {
                status: _codes(schemas, operation["responses"].get(str(status), {})) - NOT_OWN
                for status in (422, 503)
            }
    return own


def _codes(schemas: dict[str, Any], response: dict[str, Any]) -> set[str]:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    codes = set()
    for option in schema.get("anyOf", [schema]):
        body = schemas.get(option.get("$ref", "").removeprefix(SCHEMAS), option)
        codes.add(body.get("properties", {}).get("error", {}).get("const"))
    return {code for code in codes if isinstance(code, str)}


def _run(schema: BaseSchema) -> Run:
    run = Run()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            run.requests[str(event.phase)] += len(recorder.interactions)
            for node in recorder.cases.values():
                run.operations.add(node.value.operation.label)
            for case_id, checks in recorder.checks.items():
                interaction = recorder.interactions.get(case_id)
                for check in checks:
                    run.checks.add(check.name)
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        key = (failure.operation or "", check.name, failure.title)
                        answer = interaction.response if interaction is not None else None
                        run.failures.setdefault(
                            key,
                            f"{failure.operation} [{check.name}] {failure.title}\n"
                            f"{failure.message}\n{check.failure_info.code_sample}\n"
                            + (
                                f"-> {answer.status_code} {answer.content[:500]!r}"
                                if answer is not None
                                else ""
                            ),
                        )
        elif isinstance(event, events.NonFatalError):
            run.failures[(event.label, "error", str(event.value))] = f"{event.label}: {event.info}"
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                run.failures[(failure.operation or "", "run", failure.title)] = failure.message
    return run
