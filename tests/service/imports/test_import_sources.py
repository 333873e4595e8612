"""Each importer end to end, on fixtures written from each format's documentation (Disqus'
export schema, WordPress' WXR 1.2) and on a database real Isso wrote through its own API
(tests/support/make_isso_fixture.py): `commentmod import` into the test's database, then what
readers and moderators would see."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from auth.models import User
from service.cli import main
from service.comments.models import Comment
from service.imports.models import ImportedComment

FIXTURES = Path(__file__).parent / "fixtures"


def imported(engine: Engine, source: str) -> dict[str, tuple[Comment, str]]:
    """Source id → (the comment, its author's name)."""
    with Session(engine) as session:
        rows = session.exec(
            select(ImportedComment.source_id, Comment, User.display_name)
            .join(Comment, col(Comment.id) == ImportedComment.comment_id)
            .join(User, col(User.id) == Comment.author_id)
            .where(ImportedComment.source == source)
        ).all()
    return {source_id: (comment, name) for source_id, comment, name in rows}


def test_a_disqus_export(
    cli_database: str,
    engine: Engine,
    client: TestClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pattern = r"articles/\d+/\d+/\d+/(?P<id>[a-z]+)"

    main(["import", "disqus", str(FIXTURES / "disqus.xml"), "--article-id", pattern])

    out = capsys.readouterr().out
    assert "imported 7 comment(s)" in out
    comments = imported(engine, "disqus")
    first, name = comments["90001"]
    assert (first.article_id, first.status, name) == ("budget", "published", "Kim Min-jun")
    assert first.body.startswith("Great analysis & clear charts.\n\nDidn't expect")
    assert "the statistics office" in first.body
    assert "<a " not in first.body
    assert comments["90002"][0].parent_id == first.id
    assert comments["90003"][0].parent_id == comments["90002"][0].id
    assert len(comments["90003"][0].body) > 250  # kept whole
    assert comments["90007"][0].author_id == first.author_id  # the same username
    assert {key: comments[key][0].status_reason for key in ("90004", "90005", "90006")} == {
        "90004": "imported_spam",
        "90005": "imported_deleted",
        "90006": "imported_unapproved",
    }
    listed = client.get("/v1/articles/budget/comments").json()["items"]
    assert {item["id"] for item in listed} == {
        comments[k][0].id for k in ("90001", "90002", "90003")
    }
    assert client.get("/v1/articles/budget/comments/count").json()["count"] == 3


def test_a_wordpress_export_with_a_mapping_file(
    cli_database: str,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mapping = tmp_path / "articles.json"
    mapping.write_text(
        json.dumps(
            {
                "https://blog.example.kr/2024/05/01/budget-deficit/": "AEN-budget",
                "https://blog.example.kr/2024/05/02/%ec%82%ac%ec%a0%84%ed%88%ac%ed%91%9c/": (
                    "AEN-vote"
                ),
            }
        )
    )

    main(["import", "wordpress", str(FIXTURES / "wordpress.xml"), "--article-map", str(mapping)])

    out = capsys.readouterr().out
    assert "pingback 1" in out
    assert "trackback 1" in out
    comments = imported(engine, "wordpress")
    assert {comment.article_id for comment, _ in comments.values()} <= {"AEN-budget", "AEN-vote"}
    replies = [comment for comment, _ in comments.values() if comment.parent_id is not None]
    assert replies
    ids = {comment.id for comment, _ in comments.values()}
    assert all(reply.parent_id in ids for reply in replies)
    bodies = {comment.body for comment, _ in comments.values()}
    assert not any(tag in body for body in bodies for tag in ("<p>", "<a ", "<br", "<strong>"))
    assert any("<예상>" in body for body in bodies)  # an entity is what it stood for


def test_an_isso_database_written_by_isso(
    cli_database: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["import", "isso", str(FIXTURES / "isso.db"), "--article-id", r"/(?P<id>[^/]+)$"])

    out = capsys.readouterr().out
    assert "imported 7 comment(s)" in out
    assert "empty 1" in out  # the deleted comment Isso kept for its reply, without its text
    comments = imported(engine, "isso")
    assert {comment.article_id for comment, _ in comments.values()} == {
        "some-article",
        "other-article",
    }
    assert comments["9"][0].status_reason == "imported_unapproved"
    assert comments["2"][0].parent_id == comments["1"][0].id


def test_a_file_of_another_format_is_refused_and_nothing_is_stored(
    cli_database: str, engine: Engine
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["import", "isso", str(FIXTURES / "disqus.xml"), "--article-id", "(?P<id>x)"])

    assert "nothing was imported" in str(stopped.value)
    assert imported(engine, "isso") == {}


def test_a_thread_rule_is_required_for_a_foreign_format(cli_database: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["import", "disqus", str(FIXTURES / "disqus.xml")])

    assert "--article-id or --article-map" in str(stopped.value)
