"""One rule for every moderator power: a moderator or admin whose account is banned or
suspended has none of them, on any route. The guarded routes are found by walking the app's
dependencies, the routes that weigh a role inside the service are each tried, and a scan of the
source keeps role checks in the one rule (`auth.users.can_moderate`)."""

import ast
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from auth.deps import require_moderator
from auth.models import Role, User, UserStatus
from moderation.statuses import CommentStatus
from service.comments.models import Comment
from service.core.db import utcnow
from service.statements.models import StatementOfReasons
from tests.support.factories import SignedIn, held, published, sample_path, sign_in

ROOT = Path(__file__).resolve().parents[2]


def sanction(engine: Engine, who: SignedIn, status: UserStatus, *, hours: float = 24) -> None:
    with Session(engine) as session:
        user = session.get(User, who.id)
        assert user is not None
        user.status = status
        user.suspended_until = (
            utcnow() + timedelta(hours=hours) if status == UserStatus.SUSPENDED else None
        )
        session.commit()


def _depends_on(dependant: Dependant, guard: object) -> bool:
    return any(sub.call is guard or _depends_on(sub, guard) for sub in dependant.dependencies)


def guarded_routes(client: TestClient) -> Iterator[tuple[str, str]]:
    """Every (method, path) whose dependencies include the moderator guard, routers' own
    dependencies included."""
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute) and _depends_on(
            route.dependant, require_moderator
        ):
            for method in sorted(route.methods or ()):
                yield method, str(route.path_format)


@pytest.fixture(params=["banned moderator", "suspended moderator", "banned admin"])
def sanctioned(request: pytest.FixtureRequest, engine: Engine) -> SignedIn:
    role = Role.ADMIN if "admin" in request.param else Role.MODERATOR
    who = sign_in(engine, f"Former {request.param}", role)
    status = UserStatus.BANNED if "banned" in request.param else UserStatus.SUSPENDED
    sanction(engine, who, status)
    return who


def test_every_guarded_route_refuses_a_sanctioned_moderator(
    client: TestClient, sanctioned: SignedIn
) -> None:
    routes = list(guarded_routes(client))
    document = client.app.openapi()  # type: ignore[attr-defined]
    admin = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path.startswith("/v1/admin/")
        for method in operations
    }
    assert admin <= set(routes)  # every moderator operation is found by the walk

    for method, path in routes:
        url = sample_path(document, method=method, path=path)
        answer = client.request(method, url, json={}, headers=sanctioned.headers)
        assert (answer.status_code, answer.json()["error"]) == (403, "forbidden"), (method, path)
        assert "suspended or banned" in answer.json()["detail"]


def test_a_suspension_that_ended_gives_the_powers_back(client: TestClient, engine: Engine) -> None:
    moderator = sign_in(engine, "Back from leave", Role.MODERATOR)
    sanction(engine, moderator, UserStatus.SUSPENDED, hours=-1)

    assert client.get("/v1/admin/queue", headers=moderator.headers).status_code == 200
    assert client.get("/v1/me", headers=moderator.headers).json()["can_moderate"] is True


def test_me_says_whether_the_account_may_moderate(
    client: TestClient, engine: Engine, moderator: SignedIn, reader: SignedIn
) -> None:
    assert client.get("/v1/me", headers=moderator.headers).json()["can_moderate"] is True
    assert client.get("/v1/me", headers=reader.headers).json()["can_moderate"] is False

    sanction(engine, moderator, UserStatus.BANNED)

    me = client.get("/v1/me", headers=moderator.headers).json()
    assert (me["role"], me["status"], me["can_moderate"]) == ("moderator", "banned", False)


def test_a_sanctioned_moderator_cannot_delete_others_comments(
    client: TestClient, engine: Engine, reader: SignedIn, sanctioned: SignedIn
) -> None:
    shown = published(client, reader)
    hidden = held(client, reader)

    assert client.delete(f"/v1/comments/{shown}", headers=sanctioned.headers).status_code == 403
    # A held comment is not theirs to know of any more: the answer a missing id gets.
    refused = client.delete(f"/v1/comments/{hidden}", headers=sanctioned.headers)
    assert (refused.status_code, refused.json()["error"]) == (404, "comment_not_found")
    with Session(engine) as session:
        statuses = session.exec(select(Comment.status).order_by(col(Comment.id))).all()
    assert statuses == [CommentStatus.PUBLISHED, CommentStatus.HELD]


def test_the_same_deletion_works_in_good_standing(
    client: TestClient, reader: SignedIn, moderator: SignedIn
) -> None:
    """The control for the test above: the refusal comes from the standing, not the route."""
    shown = published(client, reader)
    hidden = held(client, reader)

    assert client.delete(f"/v1/comments/{shown}", headers=moderator.headers).status_code == 204
    assert client.delete(f"/v1/comments/{hidden}", headers=moderator.headers).status_code == 204


def test_a_sanctioned_moderator_reads_only_their_own_statements(
    client: TestClient,
    engine: Engine,
    reader: SignedIn,
    moderator: SignedIn,
    sanctioned: SignedIn,
) -> None:
    comment = published(client, reader)
    rejected = client.post(
        f"/v1/admin/comments/{comment}/reject",
        json={"reason": "offensive", "expected_status": "published"},
        headers=moderator.headers,
    )
    assert rejected.status_code == 200
    with Session(engine) as session:
        statement_id = session.exec(select(StatementOfReasons.id)).one()

    url = f"/v1/me/statements/{statement_id}"
    assert client.get(url, headers=moderator.headers).status_code == 200
    assert client.get(url, headers=reader.headers).status_code == 200
    refused = client.get(url, headers=sanctioned.headers)
    assert (refused.status_code, refused.json()["error"]) == (404, "statement_not_found")


def test_public_pages_show_a_sanctioned_moderator_no_hidden_comments(
    client: TestClient, reader: SignedIn, sanctioned: SignedIn
) -> None:
    shown = published(client, reader)
    held(client, reader)

    page = client.get("/v1/articles/AEN20261127000300315/comments", headers=sanctioned.headers)
    assert [item["id"] for item in page.json()["items"]] == [shown]


def test_a_sanctioned_moderator_is_held_to_the_readers_rate_limit(
    client: TestClient, engine: Engine
) -> None:
    """The exemption from the writers' limit is a moderator power too: a suspended moderator
    cannot post at all, and the refusal is the sanction's, not a 201 past the limit."""
    moderator = sign_in(engine, "On leave", Role.MODERATOR)
    sanction(engine, moderator, UserStatus.SUSPENDED)

    refused = client.post(
        "/v1/articles/AEN20261127000300315/comments",
        json={"body": "Still here."},
        headers=moderator.headers,
    )
    assert (refused.status_code, refused.json()["error"]) == (403, "user_suspended")


ROLE_CHECKS = {
    "auth/users.py": "the rule itself (`can_moderate`)",
    "auth/deps.py": "the guard, to say which of the two reasons refused the caller",
    "auth/models.py": "where the roles are defined",
    "service/users/service.py": "who may sanction whom: the target's role, not a power",
    "service/notices/service.py": "whether a notice is about staff: the author's role, not a power",
}


def test_role_checks_live_in_the_one_rule() -> None:
    """A new `role in MODERATING_ROLES` elsewhere would be a power that ignores standing."""
    found = set()
    for package in ("auth", "service", "moderation"):
        for module in (ROOT / package).rglob("*.py"):
            tree = ast.parse(module.read_text())
            if any(
                isinstance(node, ast.Name) and node.id == "MODERATING_ROLES"
                for node in ast.walk(tree)
            ):
                found.add(str(module.relative_to(ROOT)))
    assert found == set(ROLE_CHECKS)
