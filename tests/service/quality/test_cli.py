"""`commentmod labels export` and `commentmod rescore`, against the test's database."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select, update

from moderation.statuses import CommentStatus
from service.cli import main
from service.comments.models import Comment
from service.core.settings import get_settings
from tests.support.factories import TOXIC, SignedIn, held, published, seed_comments


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("COMMENTMOD_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMENTMOD_SCORER", "embedded")
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_labels_export_writes_each_decided_comment_but_not_one_its_author_deleted(
    cli_database: str,
    capsys: pytest.CaptureFixture[str],
    client: TestClient,
    reader: SignedIn,
    moderator: SignedIn,
) -> None:
    kept = held(client, reader, TOXIC)
    gone = held(client, reader, "You absolute idiot, 정말 멍청하네")
    for comment_id in (kept, gone):
        answer = client.post(
            f"/v1/admin/comments/{comment_id}/reject",
            json={"reason": "offensive"},
            headers=moderator.headers,
        )
        assert answer.status_code == 200, answer.text
    published(client, reader)  # undecided: no label
    assert client.delete(f"/v1/comments/{gone}", headers=reader.headers).status_code == 204
    capsys.readouterr()

    main(["labels", "export", "--since", "2026-01-01"])

    out, err = capsys.readouterr()
    [line] = [json.loads(text) for text in out.splitlines()]
    assert line["comment_id"] == kept
    assert line["text"] == TOXIC
    assert (line["decision"], line["abusive"], line["language"]) == ("held_rejected", True, "en")
    assert line["scores"]["toxicity"] >= 0.8
    assert line["model_id"]
    assert "exported 1 labelled comment(s)" in err


def test_labels_export_since_a_later_day_writes_nothing(
    cli_database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    main(["labels", "export", "--since", "2999-01-01", "--out", str(tmp_path / "labels.jsonl")])
    assert (tmp_path / "labels.jsonl").read_text(encoding="utf-8") == ""


def test_labels_export_refuses_a_day_that_is_not_one(cli_database: str) -> None:
    with pytest.raises(SystemExit):
        main(["labels", "export", "--since", "last week"])


def test_rescore_stores_the_models_scores_on_held_comments_and_moves_no_status(
    cli_database: str, capsys: pytest.CaptureFixture[str], database_url: str, client: TestClient
) -> None:
    engine = client.app.state.database.engine  # type: ignore[attr-defined]
    _, held_ids = seed_comments(engine, TOXIC, "Thanks for the clear report.")
    _, published_ids = seed_comments(
        engine, "Another fine report.", status=CommentStatus.PUBLISHED, status_reason="passed"
    )
    with Session(engine) as session:
        session.execute(update(Comment).values(scores={"toxicity": 0.5}, model_id="old-model"))
        session.commit()

    main(["rescore", "--status", "held"])

    assert "re-scored 2 held comment(s)" in capsys.readouterr().out
    with Session(engine) as session:
        comments = {c.id: c for c in session.exec(select(Comment))}
    toxic, civil = (comments[i] for i in held_ids)
    assert toxic.model_id != "old-model"
    assert toxic.scores is not None
    assert toxic.toxicity == toxic.scores["toxicity"] > 0.8
    assert civil.toxicity is not None
    assert civil.toxicity < 0.5
    assert {toxic.status, civil.status} == {CommentStatus.HELD}
    assert comments[published_ids[0]].model_id == "old-model"


def test_rescore_since_a_later_day_rescores_nothing(
    cli_database: str, capsys: pytest.CaptureFixture[str], client: TestClient
) -> None:
    engine = client.app.state.database.engine  # type: ignore[attr-defined]
    seed_comments(engine, TOXIC)
    main(["rescore", "--since", "2999-01-01"])
    assert "re-scored 0 held comment(s)" in capsys.readouterr().out
