"""Abuse limits: per-user comment rate, per-IP logins and reports; shared through Redis."""

import asyncio
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from limits import parse_many
from sqlalchemy import func
from sqlmodel import select

from moderation.scoring.scorers import Scorer
from service.core.db import Database, utcnow
from service.core.ratelimit import (
    REDIS_TIMEOUT,
    Counter,
    DatabaseCounter,
    RateLimited,
    RateLimitHit,
    RedisCounter,
    address_key,
)
from service.core.settings import Settings
from service.retention.service import prune
from tests.support.factories import CIVIL, TOXIC, SignedIn, post, report
from tests.support.retention import TERMS
from tests.support.scorers import ScriptedScorer
from tests.support.stalled import StalledDatabase, unused_port

REDIS_URL = os.environ.get("COMMENTMOD_TEST_REDIS_URL")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"comment_rate_limits": "1/10 seconds;30/hour", "report_rate_limits": "2/minute"}
    )


def test_a_second_comment_within_ten_seconds_is_refused(
    client: TestClient, reader: SignedIn
) -> None:
    assert post(client, reader, CIVIL).status_code == 201

    refused = post(client, reader, "And another thing")

    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 10
    assert refused.json()["retry_after"] == int(refused.headers["retry-after"])


def test_the_limit_is_per_writer(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    assert post(client, reader, CIVIL).status_code == 201

    assert post(client, other_reader, CIVIL).status_code == 201


def test_a_nudged_comment_does_not_use_up_the_limit(client: TestClient, reader: SignedIn) -> None:
    assert post(client, reader, TOXIC).status_code == 422

    assert post(client, reader, CIVIL).status_code == 201


def test_moderators_are_exempt(client: TestClient, moderator: SignedIn) -> None:
    for _ in range(3):
        assert post(client, moderator, CIVIL).status_code == 201


def test_reports_are_limited_per_address(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    mine, theirs = post(client, reader, CIVIL), post(client, other_reader, "Counterpoint")
    reports = [
        (mine.json()["id"], other_reader),
        (theirs.json()["id"], reader),
        (mine.json()["id"], moderator),  # a third account, same address
    ]

    statuses = [report(client, who, comment_id, "spam").status_code for comment_id, who in reports]

    assert statuses == [201, 201, 429]


def test_a_limit_setting_is_empty_or_parseable() -> None:
    assert Settings(comment_rate_limits="").comment_rate_limits == ""
    with pytest.raises(ValueError, match="limits"):
        Settings(comment_rate_limits="lots")


@pytest.mark.skipif(
    REDIS_URL is None, reason="set COMMENTMOD_TEST_REDIS_URL (CI does) to test against Redis"
)
def test_replicas_share_the_count_through_redis(database: Database) -> None:
    """Two counters on one Redis stand for two API replicas behind a load balancer."""
    assert REDIS_URL is not None
    prefix = f"commentmod-test-{uuid.uuid4().hex}"
    first, second = RedisCounter(REDIS_URL, prefix), RedisCounter(REDIS_URL, prefix)
    limit = parse_many("2/minute")

    first.take_alone(database, limit, scope="comment", key="42")
    second.take_alone(database, limit, scope="comment", key="42")

    with pytest.raises(RateLimited) as refused:
        first.take_alone(database, limit, scope="comment", key="42")
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    second.take_alone(database, limit, scope="comment", key="43")  # another writer is unaffected


def test_workers_sharing_a_database_share_the_count(database_url: str) -> None:
    """Without Redis the database counts: two `Database` objects stand for two worker
    processes (or replicas), twelve threads ask at once, and exactly the limit gets through."""
    workers = [Database.connect(database_url) for _ in range(2)]
    counter, limit = DatabaseCounter(), parse_many("5/minute")

    def ask(n: int) -> bool:
        try:
            counter.take_alone(workers[n % 2], limit, scope="login", key="203.0.113.7")
        except RateLimited:
            return False
        return True

    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            granted = list(pool.map(ask, range(12)))
        with workers[0].session() as session:
            stored = session.exec(select(func.count()).select_from(RateLimitHit)).one()
    finally:
        for worker in workers:
            worker.dispose()
    assert granted.count(True) == 5
    assert stored == 5


def test_a_refusal_says_when_the_oldest_counted_request_leaves_the_window(
    database: Database,
) -> None:
    counter, limits = DatabaseCounter(), parse_many("2/minute;3/hour")
    with database.session(writes=True) as session:
        for seconds_ago in (50, 10):
            at = utcnow() - timedelta(seconds=seconds_ago)
            session.add(RateLimitHit(scope="report", key="a", at=at))

    with pytest.raises(RateLimited) as refused:
        counter.take_alone(database, limits, scope="report", key="a")

    assert 9 <= refused.value.extra["retry_after"] <= 11  # the hit 50 s ago leaves in 10 s
    counter.take_alone(database, limits, scope="report", key="b")  # another address is free


def test_old_hits_are_forgotten(database: Database) -> None:
    with database.session(writes=True) as session:
        session.add(RateLimitHit(scope="login", key="a", at=utcnow() - timedelta(hours=2)))
        session.add(RateLimitHit(scope="login", key="a", at=utcnow()))
    assert asyncio.run(prune(database, TERMS)) == {"rate_limit_hits": 1}  # an hour's window
    with database.session() as session:
        assert len(session.exec(select(RateLimitHit)).all()) == 1


def test_a_refused_comment_gets_its_own_error_not_the_rate_limit(
    client: TestClient, reader: SignedIn
) -> None:
    assert post(client, reader, CIVIL).status_code == 201

    too_long = post(client, reader, "x" * 251)

    assert (too_long.status_code, too_long.json()["error"]) == (422, "comment_too_long")


class TestTwoPostsAtOnce:
    @pytest.fixture
    def scorer(self, scripted_scorer: ScriptedScorer) -> Scorer:
        scripted_scorer.delay = 0.3  # both requests are past their checks before either stores
        return scripted_scorer

    def test_only_one_gets_the_last_place(self, client: TestClient, reader: SignedIn) -> None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(pool.map(lambda body: post(client, reader, body), ["One", "Two"]))

        assert sorted(r.status_code for r in responses) == [201, 429]
        listed = client.get("/v1/me/comments", headers=reader.headers).json()["items"]
        assert len(listed) == 1


class TestOverTheLimit:
    @pytest.fixture
    def scorer(self, scripted_scorer: ScriptedScorer) -> Scorer:
        return scripted_scorer

    def test_a_writer_over_the_limit_is_refused_before_the_model_is_asked(
        self, client: TestClient, reader: SignedIn, scripted_scorer: ScriptedScorer
    ) -> None:
        assert post(client, reader, CIVIL).status_code == 201
        passes = len(scripted_scorer.batches)

        refused = post(client, reader, "you idiot")  # would be nudged if it were scored

        assert (refused.status_code, refused.json()["error"]) == (429, "rate_limited")
        assert len(scripted_scorer.batches) == passes


@pytest.fixture(params=["database", "redis"])
def counter(request: pytest.FixtureRequest) -> Counter:
    if request.param == "database":
        return DatabaseCounter()
    if REDIS_URL is None:
        pytest.skip("set COMMENTMOD_TEST_REDIS_URL (CI does) to test against Redis")
    return RedisCounter(REDIS_URL, f"commentmod-test-{uuid.uuid4().hex}")


def test_a_request_refused_by_one_limit_does_not_use_up_another(
    counter: Counter, database: Database
) -> None:
    per_minute, per_hour = parse_many("5/minute;1/hour")

    counter.take_alone(database, [per_minute, per_hour], scope="comment", key="7")
    with pytest.raises(RateLimited):
        counter.take_alone(database, [per_minute, per_hour], scope="comment", key="7")

    # One request counted, not two: the refused one left the minute's allowance alone.
    for _ in range(4):
        counter.take_alone(database, [per_minute], scope="comment", key="7")
    with pytest.raises(RateLimited):
        counter.take_alone(database, [per_minute], scope="comment", key="7")


@pytest.mark.parametrize("outage", ["down", "stalled"])
def test_when_redis_fails_requests_go_through_quickly(
    outage: str, caplog: pytest.LogCaptureFixture
) -> None:
    with StalledDatabase() as stalled:
        port = unused_port() if outage == "down" else stalled.port
        redis_url = f"redis://127.0.0.1:{port}/0"
        counter = RedisCounter(redis_url, f"commentmod-test-{uuid.uuid4().hex}")
        limit = parse_many("1/minute")

        start = time.monotonic()
        with caplog.at_level(logging.WARNING):
            counter.take_alone(None, limit, scope="comment", key="42")
            counter.take_alone(None, limit, scope="comment", key="42")  # over, but unknowable
        seconds = time.monotonic() - start

    assert seconds < 4 * REDIS_TIMEOUT + 1
    assert "rate limits not applied" in caplog.text


def test_an_ipv6_caller_is_counted_by_its_slash_64() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("testclient") == "testclient"
