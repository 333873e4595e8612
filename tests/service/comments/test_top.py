"""The most-commented articles of a recent window, for the newsroom's home page."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from service.comments.models import Comment
from service.core.db import utcnow
from tests.support.factories import TOXIC, SignedIn, held, post, published


def top(client: TestClient, **params: Any) -> Any:
    return client.get("/v1/articles/top", params=params)


def backdate(engine: Engine, comment_ids: list[int], *, days: float) -> None:
    with Session(engine) as session:
        session.execute(
            update(Comment)
            .where(col(Comment.id).in_(comment_ids))
            .values(created_at=utcnow() - timedelta(days=days))
        )
        session.commit()


def test_the_most_commented_articles_of_a_window_come_first(
    client: TestClient, reader: SignedIn, moderator: SignedIn, engine: Engine
) -> None:
    for n in range(3):
        published(client, reader, f"Busy today {n}.", article="busy-today")
    published(client, reader, "Quiet today.", article="busy-last-week")
    old = [  # by a moderator: no daily cap per article
        published(client, moderator, f"Busy last week {n}.", article="busy-last-week")
        for n in range(4)
    ]
    backdate(engine, old, days=3)
    held_only = post(client, reader, TOXIC, "held-only", acknowledge_toxicity=True)
    assert held_only.json()["status"] == "held", held_only.text

    day = top(client, window="24h")
    week = top(client, window="7d")

    assert day.status_code == 200, day.text
    assert day.json()["window"] == "24h"
    assert [(a["article_id"], a["comments"], a["total"]) for a in day.json()["items"]] == [
        ("busy-today", 3, 3),
        ("busy-last-week", 1, 5),
    ]
    assert [(a["article_id"], a["comments"]) for a in week.json()["items"]] == [
        ("busy-last-week", 5),
        ("busy-today", 3),
    ]
    assert [a["article_id"] for a in top(client, window="7d", limit=1).json()["items"]] == [
        "busy-last-week"
    ]


def test_the_list_is_cacheable_and_refuses_unknown_windows(
    client: TestClient, reader: SignedIn
) -> None:
    published(client, reader, "A point.", article="an-article")
    held(client, reader)

    first = top(client)
    again = client.get("/v1/articles/top", headers={"If-None-Match": first.headers["ETag"]})

    assert first.json()["window"] == "24h"
    assert first.headers["Cache-Control"] == "public, max-age=30"
    assert again.status_code == 304
    for window, limit in [("2h", 10), ("24h", 0), ("24h", 51), ("1d", 5)]:
        refused = top(client, window=window, limit=limit)
        assert refused.status_code == 422, (window, limit)
        assert refused.json()["error"] == "validation_error"
