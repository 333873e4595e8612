"""Reaction bursts: many reactions that do not rank (new accounts) on one comment within
minutes put it in the reported queue as `reaction_burst`, once per burst; the console's
reaction timeline shows them."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.core.db import Database
from service.policy.schemas import ReactionSettings
from service.reports.bursts import flag_reaction_bursts
from tests.service.comments.test_reactions import age, react
from tests.support.factories import SignedIn, published, queue_ids, sign_in

BURST = ReactionSettings(burst_reactions=3, burst_minutes=10)


@pytest.fixture
def sweep(database: Database) -> Callable[..., list[int]]:
    """One pass of the housekeeping step, as the sweep runs it."""

    def run(settings: ReactionSettings = BURST) -> list[int]:
        with database.session(writes=True) as session:
            return flag_reaction_bursts(session, settings)

    return run


def farm(
    engine: Engine, client: TestClient, comment_id: int, accounts: int, start: int = 0
) -> None:
    for n in range(start, start + accounts):
        react(client, sign_in(engine, f"Fresh Account {n}"), comment_id, "like")


def test_a_burst_from_new_accounts_puts_the_comment_in_the_reported_queue_once(
    client: TestClient,
    reader: SignedIn,
    moderator: SignedIn,
    engine: Engine,
    sweep: Callable[..., list[int]],
) -> None:
    farmed = published(client, reader, "A comment someone wants on top.")
    liked = published(client, reader, "A comment readers of long standing like.")
    for n in range(5):
        elder = sign_in(engine, f"Long-time Reader {n}")
        age(engine, elder, days=30)
        react(client, elder, liked, "like")
    farm(engine, client, farmed, 2)
    assert sweep() == []  # two: not yet a burst

    farm(engine, client, farmed, 1, start=2)

    assert sweep() == [farmed]
    assert queue_ids(client, moderator, status="reported") == [farmed]
    detail = client.get(f"/v1/admin/comments/{farmed}", headers=moderator.headers).json()
    assert [r["reason"] for r in detail["reports"]] == ["reaction_burst"]
    assert "3 reactions within 10 minutes" in detail["reports"][0]["note"]
    farm(engine, client, farmed, 2, start=3)
    assert sweep() == []  # its report is still open
    kept = client.post(f"/v1/admin/comments/{farmed}/approve", headers=moderator.headers)
    assert kept.status_code == 200, kept.text
    assert sweep() == [farmed]  # decided, then the burst went on: reported again
    assert sweep(ReactionSettings(burst_reactions=None)) == []


def test_the_timeline_shows_the_burst_and_the_accounts_ages(
    client: TestClient, reader: SignedIn, moderator: SignedIn, engine: Engine
) -> None:
    comment = published(client, reader, "A comment with a history of likes.")
    elder = sign_in(engine, "Long-time Reader")
    age(engine, elder, days=30)
    react(client, elder, comment, "dislike")
    farm(engine, client, comment, 3)

    timeline = client.get(f"/v1/admin/comments/{comment}/reactions", headers=moderator.headers)

    assert timeline.status_code == 200, timeline.text
    body = timeline.json()
    assert (body["likes"], body["dislikes"], body["ranked_likes"], body["ranked_dislikes"]) == (
        3,
        1,
        0,
        1,
    )
    assert body["bucket_minutes"] == 1
    assert sum(b["likes"] for b in body["buckets"]) == 3
    assert sum(b["unranked"] for b in body["buckets"]) == 3
    ages = {r["display_name"]: r["account_age_hours"] for r in body["recent"]}
    assert ages["Long-time Reader"] >= 24 * 30
    assert ages["Fresh Account 0"] < 1
    assert [r["ranked"] for r in body["recent"]][-1] is True  # the oldest: the elder's
    refused = client.get(f"/v1/admin/comments/{comment}/reactions", headers=reader.headers)
    assert refused.status_code == 403
    assert (
        client.get("/v1/admin/comments/999999/reactions", headers=moderator.headers).status_code
        == 404
    )
