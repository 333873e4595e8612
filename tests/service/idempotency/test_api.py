"""`Idempotency-Key` on posting comments and reports: a retry gets the first answer and stores
nothing new, however the first answer was lost."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from moderation.scoring.scorers import Scorer
from service.audit.models import AuditEvent
from service.comments.models import Comment
from service.core.db import Database, utcnow
from service.core.settings import Settings
from service.idempotency.models import IdempotencyRecord
from service.reports.models import Report
from service.retention.service import prune
from tests.support.factories import ARTICLE, CIVIL, TOXIC, SignedIn, count_rows, published
from tests.support.retention import TERMS
from tests.support.scorers import ScriptedScorer

KEY = "5b0c3a9e-0e63-4a8d-9a51-1c1f7c0f6b2e"


def post_keyed(
    client: TestClient, who: SignedIn, body: str, key: str = KEY, **extra: Any
) -> httpx2.Response:
    return client.post(
        f"/v1/articles/{ARTICLE}/comments",
        json={"body": body, **extra},
        headers={**who.headers, "Idempotency-Key": key},
    )


def test_a_retry_gets_the_first_answer_and_stores_nothing(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    first = post_keyed(client, reader, CIVIL)
    retry = post_keyed(client, reader, CIVIL)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert count_rows(engine, Comment) == 1
    assert count_rows(engine, AuditEvent) == 1


def test_the_same_key_for_another_request_is_refused(
    client: TestClient, reader: SignedIn, engine: Engine
) -> None:
    post_keyed(client, reader, CIVIL)

    other = post_keyed(client, reader, "A different comment.")

    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    assert count_rows(engine, Comment) == 1


def test_keys_belong_to_their_user(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, engine: Engine
) -> None:
    mine = post_keyed(client, reader, CIVIL)
    theirs = post_keyed(client, other_reader, CIVIL)

    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert count_rows(engine, Comment) == 2


def test_a_refused_request_leaves_the_key_free(client: TestClient, reader: SignedIn) -> None:
    nudged = post_keyed(client, reader, TOXIC)

    insisted = post_keyed(client, reader, TOXIC, acknowledge_toxicity=True)

    assert nudged.json()["error"] == "toxic_comment"
    assert (insisted.status_code, insisted.json()["status"]) == (201, "held")


def test_a_key_lasts_a_day(
    client: TestClient, reader: SignedIn, engine: Engine, database: Database
) -> None:
    first = post_keyed(client, reader, CIVIL)
    with Session(engine) as session:
        session.execute(update(IdempotencyRecord).values(created_at=utcnow() - timedelta(hours=25)))
        session.commit()

    again = post_keyed(client, reader, CIVIL)

    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    with Session(engine) as session:
        session.execute(update(IdempotencyRecord).values(created_at=utcnow() - timedelta(hours=25)))
        session.commit()
    assert asyncio.run(prune(database, TERMS)) == {"idempotency_answers": 1}
    assert count_rows(engine, IdempotencyRecord) == 0


@pytest.mark.parametrize("key", ["has space", "x" * 256, "tab\tinside", ""])
def test_a_malformed_key_is_refused(client: TestClient, reader: SignedIn, key: str) -> None:
    response = post_keyed(client, reader, CIVIL, key=key)

    assert (response.status_code, response.json()["error"]) == (422, "validation_error")
    assert "Idempotency-Key" in response.json()["detail"]


class TestTwoCopiesAtOnce:
    @pytest.fixture
    def scorer(self, scripted_scorer: ScriptedScorer) -> Scorer:
        scripted_scorer.delay = 0.3  # both copies are scored before either stores
        return scripted_scorer

    def test_one_comment_and_the_same_answer_twice(
        self, client: TestClient, reader: SignedIn, engine: Engine
    ) -> None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda _: post_keyed(client, reader, CIVIL), range(2)))

        assert [a.status_code for a in answers] == [201, 201]
        assert answers[0].json() == answers[1].json()
        assert count_rows(engine, Comment) == 1


class TestWithRateLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={"comment_rate_limits": "1/minute", "report_rate_limits": "1/minute"}
        )

    def test_a_retry_is_not_counted_again(self, client: TestClient, reader: SignedIn) -> None:
        first = post_keyed(client, reader, CIVIL)

        retry = post_keyed(client, reader, CIVIL)

        assert retry.status_code == 201
        assert retry.json() == first.json()

    def test_a_report_retried_is_replayed_not_refused(
        self, client: TestClient, reader: SignedIn, other_reader: SignedIn, engine: Engine
    ) -> None:
        comment_id = published(client, reader)

        def report() -> httpx2.Response:
            return client.post(
                f"/v1/comments/{comment_id}/reports",
                json={"reason": "spam"},
                headers={**other_reader.headers, "Idempotency-Key": KEY},
            )

        first, retry = report(), report()

        assert first.status_code == retry.status_code == 201
        assert retry.json() == first.json()
        assert retry.headers["idempotent-replayed"] == "true"
        assert count_rows(engine, Report) == 1
