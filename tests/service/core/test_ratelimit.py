"""Abuse limits: per-user comment rate, per-IP logins and reports; shared through Redis."""

import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from limits import parse_many

from moderation.scoring.scorers import Scorer
from service.core.ratelimit import REDIS_TIMEOUT, RateLimited, RateLimiter
from service.core.settings import Settings
from tests.support.factories import CIVIL, TOXIC, SignedIn, post, report
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
def test_replicas_share_the_count_through_redis() -> None:
    """Two limiters on one Redis stand for two API replicas behind a load balancer."""
    assert REDIS_URL is not None
    prefix = f"commentmod-test-{uuid.uuid4().hex}"
    first, second = RateLimiter(REDIS_URL, prefix), RateLimiter(REDIS_URL, prefix)
    limit = parse_many("2/minute")

    first.take(limit, scope="comment", key="42")
    second.take(limit, scope="comment", key="42")

    with pytest.raises(RateLimited) as refused:
        first.take(limit, scope="comment", key="42")
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    second.take(limit, scope="comment", key="43")  # another writer is unaffected


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


def test_a_request_refused_by_one_limit_does_not_use_up_another() -> None:
    limiter = RateLimiter(None)
    per_minute, per_hour = parse_many("5/minute;1/hour")

    limiter.take([per_minute, per_hour], scope="comment", key="7")
    with pytest.raises(RateLimited):
        limiter.take([per_minute, per_hour], scope="comment", key="7")

    # One request counted, not two: the refused one left the minute's allowance alone.
    for _ in range(4):
        limiter.take([per_minute], scope="comment", key="7")
    with pytest.raises(RateLimited):
        limiter.take([per_minute], scope="comment", key="7")


@pytest.mark.parametrize("outage", ["down", "stalled"])
def test_when_redis_fails_requests_go_through_quickly(
    outage: str, caplog: pytest.LogCaptureFixture
) -> None:
    with StalledDatabase() as stalled:
        port = unused_port() if outage == "down" else stalled.port
        redis_url = f"redis://127.0.0.1:{port}/0"
        limiter = RateLimiter(redis_url, f"commentmod-test-{uuid.uuid4().hex}")
        limit = parse_many("1/minute")

        start = time.monotonic()
        with caplog.at_level(logging.WARNING):
            limiter.take(limit, scope="comment", key="42")
            limiter.take(limit, scope="comment", key="42")  # over the limit, but unknowable
        seconds = time.monotonic() - start

    assert seconds < 4 * REDIS_TIMEOUT + 1
    assert "rate limits not applied" in caplog.text
