"""`commentmod import` and `commentmod export jsonl`: threads become articles, replies stay
replies, authors become accounts that cannot sign in, statuses follow the newsroom's choice; a
re-run adds nothing twice, a malformed file stores nothing, counters agree afterwards (the
`database_url` fixture checks them after every test)."""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from auth.models import Identity, User
from service import imports
from service.cli import main, migrate
from service.comments.models import Comment
from service.core.db import make_engine
from service.core.settings import get_settings
from service.imports.models import ImportedAuthor, ImportedComment

LONG = "이 기사는 " + "아주 긴 댓글입니다. " * 40
RECORDS: list[dict[str, Any]] = [
    {
        "id": "c1",
        "article_id": "AEN-1",
        "author": {"key": "kim", "name": "Kim Min-jun", "email": "kim@example.kr"},
        "created_at": "2019-03-01T09:00:00+09:00",
        "body": "The first comment on the summit.",
    },
    {
        "id": "c2",
        "article_id": "AEN-1",
        "parent_id": "c1",
        "author": {"key": "lee", "name": "Lee Ji-woo"},
        "created_at": "2019-03-01T10:00:00+09:00",
        "body": "A reply to the first.",
    },
    {
        "id": "c3",
        "article_id": "AEN-2",
        "author": {"key": "kim", "name": "Kim Min-jun"},
        "created_at": "2019-03-02T10:00:00+00:00",
        "body": LONG,
    },
    {
        "id": "c4",
        "article_id": "AEN-2",
        "author": {"key": "spammer", "name": "Cheap Watches"},
        "created_at": "2019-03-02T11:00:00+00:00",
        "body": "Buy watches at shop.example.com",
        "status": "rejected",
    },
    {
        "id": "c5",
        "article_id": "AEN-2",
        "author": {"name": ""},
        "created_at": "2019-03-02T12:00:00+00:00",
        "body": "Said by nobody in particular.",
        "status": "deleted",
    },
]


def write_lines(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def run(*argv: str) -> None:
    main(list(argv))


def imported(engine: Engine) -> dict[str, Comment]:
    with Session(engine) as session:
        rows = session.exec(
            select(ImportedComment.source_id, Comment).join(
                Comment, col(Comment.id) == ImportedComment.comment_id
            )
        ).all()
    return dict(rows)


def names(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {user.id or 0: user.display_name for user in session.exec(select(User)).all()}


def test_a_file_is_imported_with_threads_authors_and_statuses(
    cli_database: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run("import", "jsonl", str(write_lines(tmp_path / "in.jsonl", RECORDS)))

    out = capsys.readouterr().out
    assert "imported 5 comment(s), 4 new author account(s)" in out
    comments = imported(engine)
    assert comments["c2"].parent_id == comments["c1"].id
    assert comments["c1"].article_id == "AEN-1"
    assert comments["c3"].body == LONG.strip()  # over 250 characters: kept whole
    statuses = {key: (c.status, c.status_reason) for key, c in comments.items()}
    assert statuses == {
        "c1": ("published", "imported"),
        "c2": ("published", "imported"),
        "c3": ("published", "imported"),
        "c4": ("rejected", "imported_rejected"),
        "c5": ("rejected", "imported_deleted"),
    }
    assert comments["c1"].created_at.isoformat() == "2019-03-01T00:00:00+00:00"
    authors = names(engine)
    assert authors[comments["c1"].author_id] == "Kim Min-jun"
    assert comments["c3"].author_id == comments["c1"].author_id  # one account per author key
    assert authors[comments["c5"].author_id] == "Anonymous"
    with Session(engine) as session:
        assert session.exec(select(Identity)).all() == []  # nobody can sign in as them
        kept = session.exec(select(ImportedAuthor.email)).all()
    assert set(kept) == {None}  # e-mail addresses only when asked


def test_running_it_again_adds_nothing(
    cli_database: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", RECORDS)
    run("import", "jsonl", str(source))
    first = imported(engine)
    capsys.readouterr()

    run("import", "jsonl", str(source))

    out = capsys.readouterr().out
    assert "imported 0 comment(s), 0 new author account(s)" in out
    assert "already imported before: 5" in out
    assert {k: c.id for k, c in imported(engine).items()} == {k: c.id for k, c in first.items()}


def test_a_reply_before_its_parent_or_batches_away_is_linked(
    cli_database: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports.service, "BATCH", 2)
    reply_first = [RECORDS[1], RECORDS[2], RECORDS[3], RECORDS[0]]

    run("import", "jsonl", str(write_lines(tmp_path / "in.jsonl", reply_first)))

    comments = imported(engine)
    assert comments["c2"].parent_id == comments["c1"].id


def test_a_malformed_line_stops_the_import_and_the_fixed_file_finishes_it(
    cli_database: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = {"id": "c6", "article_id": "AEN-1", "body": "no time"}
    late = {**RECORDS[0], "id": "c7", "body": "After the broken line."}
    source = tmp_path / "in.jsonl"
    write_lines(source, RECORDS)
    with source.open("a", encoding="utf-8") as lines:
        lines.write(json.dumps(broken) + "\n" + json.dumps(late) + "\n")

    with pytest.raises(SystemExit) as stopped:
        run("import", "jsonl", str(source))

    assert "line 6" in str(stopped.value)
    assert "created_at" in str(stopped.value)
    assert "the 5 comment(s) before it were imported" in str(stopped.value)
    assert set(imported(engine)) == {"c1", "c2", "c3", "c4", "c5"}

    write_lines(source, [*RECORDS, {**broken, "created_at": "2019-03-03T00:00:00Z"}, late])
    run("import", "jsonl", str(source))

    assert "imported 2 comment(s)" in capsys.readouterr().out
    assert set(imported(engine)) == {"c1", "c2", "c3", "c4", "c5", "c6", "c7"}


def test_unpublished_comments_can_be_left_out_and_authors_e_mail_kept(
    cli_database: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", RECORDS)

    run("import", "jsonl", str(source), "--unpublished", "skip", "--keep-emails")

    out = capsys.readouterr().out
    assert "skipped: unpublished 2" in out
    assert set(imported(engine)) == {"c1", "c2", "c3"}
    with Session(engine) as session:
        email = session.exec(
            select(ImportedAuthor.email).where(ImportedAuthor.author_key == "kim")
        ).one()
    assert email == "kim@example.kr"


def test_threads_become_articles_by_the_newsrooms_pattern(
    cli_database: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = "https://koreajoongangdaily.joins.com/2019/03/01/national/politics"
    placed = [
        {**RECORDS[0], "thread_url": f"{site}/summit-ends/20190301090000123.html"},
        {**RECORDS[1], "thread_url": f"{site}/summit-ends/20190301090000123.html"},
        {**RECORDS[2], "thread_url": "https://elsewhere.example.com/about"},
    ]
    pattern = r"joins\.com/\d+/\d+/\d+/[^/]+/[^/]+/[^/]+/(?P<id>\d+)\.html"

    run("import", "jsonl", str(write_lines(tmp_path / "in.jsonl", placed)), "--article-id", pattern)

    assert "skipped: no_article 1" in capsys.readouterr().out
    assert {c.article_id for c in imported(engine).values()} == {"20190301090000123"}


def test_imported_comments_can_be_scored_without_being_decided(
    cli_database: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run("import", "jsonl", str(write_lines(tmp_path / "in.jsonl", RECORDS)), "--score")

    assert "scored 5 comment(s) (stored, not acted on)" in capsys.readouterr().out
    comments = imported(engine)
    assert all(c.scores and c.model_id for c in comments.values())
    assert comments["c1"].status == "published"


def test_an_export_imports_into_another_database_as_it_was(
    cli_database: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("import", "jsonl", str(write_lines(tmp_path / "in.jsonl", RECORDS)))
    exported = tmp_path / "out.jsonl"

    run("export", "jsonl", str(exported))

    lines = [json.loads(line) for line in exported.read_text("utf-8").splitlines()]
    assert len(lines) == 5
    other = f"sqlite:///{tmp_path / 'other.db'}"
    migrate(other)
    monkeypatch.setenv("COMMENTMOD_DATABASE_URL", other)
    get_settings.cache_clear()
    run("import", "jsonl", str(exported))
    there = make_engine(other)
    moved = imported(there)
    there.dispose()
    here = imported(engine)

    def shape(comments: dict[str, Comment]) -> set[tuple[str, str, str, str]]:
        return {
            (c.article_id, c.body, str(c.status), c.created_at.isoformat())
            for c in comments.values()
        }

    assert shape(moved) == shape(here)
    [reply] = [c for c in moved.values() if c.parent_id is not None]
    [parent] = [c for c in moved.values() if c.id == reply.parent_id]
    assert (reply.body, parent.body) == (
        "A reply to the first.",
        "The first comment on the summit.",
    )
