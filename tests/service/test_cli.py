"""The `commentmod` CLI as a site bootstraps its first moderator."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, update

from service.articles.models import Article
from service.cli import main
from service.comments.models import Comment
from service.core.db import Database
from tests.support.factories import seed_comments


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    return capsys.readouterr().out.strip()


def test_create_a_moderator_and_use_the_issued_token(
    cli_database: str, capsys: pytest.CaptureFixture[str], client: TestClient
) -> None:
    user_id = run(capsys, "users", "create", "Desk Editor", "--role", "moderator")
    token = run(capsys, "tokens", "issue", user_id)

    assert token.startswith("cm_")
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["id"] == int(user_id)
    assert me["role"] == "moderator"


def test_set_role_grants_and_removes_rights(
    cli_database: str, capsys: pytest.CaptureFixture[str], client: TestClient
) -> None:
    user_id = run(capsys, "users", "create", "Reader")
    token = run(capsys, "tokens", "issue", user_id)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/admin/queue", headers=headers).status_code == 403

    run(capsys, "users", "set-role", user_id, "admin")

    assert client.get("/v1/admin/queue", headers=headers).status_code == 200


def test_an_unknown_user_is_an_error(cli_database: str) -> None:
    with pytest.raises(SystemExit, match="no user with id 999"):
        main(["tokens", "issue", "999"])


def test_migrate_is_idempotent(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "migrate")
    run(capsys, "migrate")


def test_the_counters_command_finds_and_repairs_drift(
    cli_database: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_comments(database.engine, "a", "b", article_id="a-1")
    assert run(capsys, "counters", "check") == "counters agree with the comments"
    with database.session(writes=True) as session:  # behind the counters' back
        session.execute(update(Article).values(published_count=7))
        session.execute(update(Comment).values(status="rejected"))
        session.execute(update(Comment).where(col(Comment.body) == "b").values(likes=3))
        session.execute(
            update(Comment)
            .where(col(Comment.body) == "a")
            .values(published_replies=2, best_score=0.5)
        )

    with pytest.raises(SystemExit) as failed:
        main(["counters", "check"])
    found = capsys.readouterr().out
    repaired = run(capsys, "counters", "repair")

    assert failed.value.code == 1
    assert "published count of article a-1: stored 7, counted 0" in found
    assert "('a-1', <Queue.HELD: 'held'>, 0): stored 2, counted 0" in found
    assert "stored 3, counted 0" in found  # a comment's likes, recounted from its reactions
    assert "published replies of comment" in found
    assert "best_score of comment" in found  # its rank, from its ranked counts
    assert repaired.endswith("repaired 8 counter(s)")
    assert run(capsys, "counters", "check") == "counters agree with the comments"
