"""The OpenAPI document is the contract the newsroom's frontend and tools read: both ways to
authenticate, and for every route each error code it can answer, with the fields it carries."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.core.errors import AppError
from service.core.settings import Settings
from tests.support.factories import SignedIn, sample_path


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def codes(spec: dict[str, Any], path: str, method: str, status: str) -> dict[str, set[str]]:
    """Each documented error code of one response, with the body fields it carries."""
    schema = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
    options = schema["schema"].get("anyOf", [schema["schema"]])
    bodies = [spec["components"]["schemas"][o["$ref"].rsplit("/", 1)[1]] for o in options]
    return {body["properties"]["error"]["const"]: set(body["properties"]) for body in bodies}


def test_both_ways_to_authenticate_are_described(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]

    assert schemes["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["BearerToken"]["description"],
    }
    assert (schemes["SessionCookie"]["in"], schemes["SessionCookie"]["name"]) == (
        "cookie",
        "commentmod_session",
    )
    me = spec["paths"]["/v1/me"]["get"]
    assert {"BearerToken": []} in me["security"]
    assert {"SessionCookie": []} in me["security"]


def test_the_cookie_scheme_names_the_configured_cookie(settings: Settings) -> None:
    renamed = settings.model_copy(update={"session_cookie_name": "news_comments"})

    document = create_app(renamed).openapi()

    assert document["components"]["securitySchemes"]["SessionCookie"]["name"] == "news_comments"


def test_posting_lists_every_refusal_with_its_fields(spec: dict[str, Any]) -> None:
    route = ("/v1/articles/{article_id}/comments", "post")

    assert codes(spec, *route, "401") == {"not_authenticated": {"error", "detail"}}
    assert codes(spec, *route, "403") == {
        "csrf_failed": {"error", "detail"},
        "user_banned": {"error", "detail"},
        "user_suspended": {"error", "detail", "until"},
        "account_too_new": {"error", "detail", "retry_after"},
    }
    assert codes(spec, *route, "409") == {
        "article_closed": {"error", "detail"},
        "parent_unavailable": {"error", "detail"},
        "duplicate_comment": {"error", "detail", "comment_id"},
    }
    assert codes(spec, *route, "422") == {
        "validation_error": {"error", "detail"},
        "comment_empty": {"error", "detail"},
        "comment_too_long": {"error", "detail", "length", "limit"},
        "comment_invalid_characters": {"error", "detail"},
        "toxic_comment": {"error", "detail", "scores"},
        "idempotency_key_reused": {"error", "detail"},
    }
    assert codes(spec, *route, "429") == {
        "rate_limited": {"error", "detail", "retry_after"},
        "daily_limit_reached": {"error", "detail", "limit", "scope", "resets_at"},
    }
    assert codes(spec, *route, "503") == {
        "commenting_disabled": {"error", "detail"},
        "database_unavailable": {"error", "detail"},
        "database_busy": {"error", "detail"},
    }


def test_admin_routes_list_the_guard_and_their_own_codes(spec: dict[str, Any]) -> None:
    reject = ("/v1/admin/comments/{comment_id}/reject", "post")

    assert set(codes(spec, *reject, "401")) == {"not_authenticated"}
    assert set(codes(spec, *reject, "403")) == {"csrf_failed", "forbidden"}
    assert set(codes(spec, *reject, "404")) == {"comment_not_found", "not_found"}
    assert set(codes(spec, *reject, "409")) == {"invalid_transition"}
    description = spec["paths"][reject[0]][reject[1]]["responses"]["409"]["description"]
    assert "`invalid_transition`" in description


def every_error_class(base: type[AppError] = AppError) -> list[type[AppError]]:
    found: list[type[AppError]] = []
    for sub in base.__subclasses__():
        found += [sub, *every_error_class(sub)]
    return found


def test_each_error_code_means_one_thing(client: TestClient) -> None:
    """Loaded with the app, every error class is known: a code names one class and one status."""
    by_code: dict[str, type[AppError]] = {}
    for error in every_error_class():
        if error.code in by_code and by_code[error.code] is not error:
            pytest.fail(f"{error.code!r}: {by_code[error.code].__name__} and {error.__name__}")
        by_code[error.code] = error


def test_every_admin_route_refuses_strangers_and_readers(
    client: TestClient, spec: dict[str, Any], reader: SignedIn
) -> None:
    admin_routes = [
        (path, method)
        for path, operations in spec["paths"].items()
        if path.startswith("/v1/admin/")
        for method in operations
    ]
    # Every moderator operation in the README; lifting a sanction is one per sanction.
    assert len(admin_routes) == 47

    for path, method in admin_routes:
        url = sample_path(spec, path, method)
        anonymous = client.request(method.upper(), url, json={})
        as_reader = client.request(method.upper(), url, json={}, headers=reader.headers)
        assert (anonymous.status_code, anonymous.json()["error"]) == (401, "not_authenticated"), url
        assert (as_reader.status_code, as_reader.json()["error"]) == (403, "forbidden"), url


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_status_documents_the_error_body(spec: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in str(spec)
    for path, method, operation in operations(spec):
        for status in operation["responses"]:
            if int(status) < 400:
                continue
            for code, fields in codes(spec, path, method, status).items():
                assert {"error", "detail"} <= fields, (path, method, status, code)


def test_every_operation_documents_what_any_request_can_meet(spec: dict[str, Any]) -> None:
    for path, method, _ in operations(spec):
        assert set(codes(spec, path, method, "500")) == {"internal_error"}, (path, method)
        assert "payload_too_large" in codes(spec, path, method, "413"), (path, method)
        # the ones that need no database: the providers' list, and the live events
        if path not in {"/v1/auth/providers", "/v1/articles/{article_id}/events"}:
            assert {"database_unavailable", "database_busy"} <= set(
                codes(spec, path, method, "503")
            ), (path, method)


def test_signing_in_is_optional_where_it_is(spec: dict[str, Any]) -> None:
    page = spec["paths"]["/v1/articles/{article_id}/comments"]["get"]["security"]
    post = spec["paths"]["/v1/articles/{article_id}/comments"]["post"]["security"]

    assert {} in page
    assert {} not in post


def test_the_headers_a_client_may_act_on_are_documented(spec: dict[str, Any]) -> None:
    post = spec["paths"]["/v1/articles/{article_id}/comments"]["post"]["responses"]

    assert "Retry-After" in post["429"]["headers"]
    assert "Retry-After" in post["503"]["headers"]
    assert "Idempotent-Replayed" in post["201"]["headers"]


def test_the_text_rule_is_in_the_document(spec: dict[str, Any]) -> None:
    reason = spec["components"]["schemas"]["BanRequest"]["properties"]["reason"]
    # A required text: the plain-text rule and a character a reader sees, in a schema of its own.
    assert reason["allOf"] == [{"$ref": "#/components/schemas/ShownLine"}]
    pattern = re.compile(spec["components"]["schemas"]["ShownLine"]["pattern"])

    assert reason["maxLength"] == 200
    assert pattern.fullmatch("Repeated insults after two warnings")
    for hidden in ("\u0000", "\u0085", "\u200b", "\u202e", "\ufeff"):
        assert not pattern.fullmatch(f"spam{hidden}"), hidden
    assert not pattern.fullmatch(" \u3164 ")  # a Hangul filler between spaces shows nothing
