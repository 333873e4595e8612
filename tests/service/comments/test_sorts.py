"""The article page's orders: newest, oldest, best (a lower bound of the share of likes, from
accounts that count toward ranking) and replies; keyset cursors that hold while reactions land."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from moderation.ranking import wilson_lower_bound
from tests.service.comments.test_reactions import age, react, set_moderation
from tests.support.factories import ARTICLE, SignedIn, held, published, sign_in


def page(
    client: TestClient,
    sort: str,
    *,
    limit: int = 20,
    cursor: str | None = None,
    who: SignedIn | None = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {"sort": sort, "limit": limit}
    if cursor:
        params["cursor"] = cursor
    response = client.get(
        f"/v1/articles/{ARTICLE}/comments", params=params, headers=who.headers if who else {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(client: TestClient, sort: str, **options: Any) -> list[int]:
    return [item["id"] for item in page(client, sort, **options)["items"]]


def every_page(client: TestClient, sort: str, *, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        answer = page(client, sort, limit=limit, cursor=cursor)
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            return seen


@pytest.fixture
def voters(engine: Engine) -> list[SignedIn]:
    """Readers old enough for their reactions to rank comments."""
    readers = [sign_in(engine, f"Voter {n}") for n in range(6)]
    for voter in readers:
        age(engine, voter, days=30)
    return readers


def test_newest_and_oldest_are_each_others_reverse(client: TestClient, reader: SignedIn) -> None:
    posted = [published(client, reader, f"Point {n} about the harbour plan.") for n in range(4)]

    assert ids(client, "newest") == posted[::-1]
    assert ids(client, "oldest") == posted


def test_best_puts_many_likes_with_few_dislikes_above_a_few_likes(
    client: TestClient, reader: SignedIn, voters: list[SignedIn]
) -> None:
    few = published(client, reader, "A short, liked point.")
    many = published(client, reader, "A long, well argued point.")
    mixed = published(client, reader, "A divisive point.")
    untouched = published(client, reader, "A point nobody read.")
    for voter in voters[:2]:
        react(client, voter, few, "like")
    for voter in voters[:5]:
        react(client, voter, many, "like")
    react(client, voters[5], many, "dislike")
    for voter in voters[:3]:
        react(client, voter, mixed, "dislike")
    react(client, voters[3], mixed, "like")

    assert ids(client, "best") == [many, few, mixed, untouched]
    assert wilson_lower_bound(5, 1) > wilson_lower_bound(2, 0)


def test_best_ignores_new_accounts_and_accounts_banned_since(
    client: TestClient, reader: SignedIn, voters: list[SignedIn], engine: Engine, admin: SignedIn
) -> None:
    older = published(client, reader, "Liked by readers of long standing.")
    farmed = published(client, reader, "Liked by a farm of new accounts.")
    react(client, voters[0], older, "like")
    for n in range(4):
        react(client, sign_in(engine, f"Fresh {n}"), farmed, "like")
    banned = voters[1]
    react(client, banned, farmed, "like")
    react(client, banned, farmed, "like")  # the same twice: once
    react(client, voters[2], farmed, "like")
    assert ids(client, "best")[:2] == [farmed, older]  # two ranked likes beat one

    banning = client.post(
        f"/v1/admin/users/{banned.id}/ban", json={"reason": "vote farm"}, headers=admin.headers
    )

    assert banning.status_code == 200, banning.text
    assert ids(client, "best")[:2] == [farmed, older]  # one each now: newest first among equals
    react(client, voters[3], older, "like")
    assert ids(client, "best")[:2] == [older, farmed]
    shown = {item["id"]: item for item in page(client, "best")["items"]}
    assert shown[farmed]["likes"] == 6  # readers still see every like given
    set_moderation(client, admin, reactions={"ranking_min_account_age_hours": 0})
    react(client, sign_in(engine, "Counted Newcomer"), farmed, "like")
    assert ids(client, "best")[:2] == [farmed, older]


def test_replies_puts_the_most_answered_first_and_counts_only_published_replies(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn
) -> None:
    quiet = published(client, reader, "A point without answers.")
    busy = published(client, reader, "A point with answers.")
    answered = published(client, reader, "A point with one answer.")
    first = published(client, other_reader, "First answer.", parent_id=busy)
    published(client, other_reader, "Second answer.", parent_id=busy)
    published(client, other_reader, "Only answer.", parent_id=answered)

    top_level = [i for i in ids(client, "replies") if i in {quiet, busy, answered}]
    assert top_level == [busy, answered, quiet]
    removed = client.post(
        f"/v1/admin/comments/{first}/reject",
        json={"reason": "off_topic", "expected_status": "published"},
        headers=moderator.headers,
    )
    assert removed.status_code == 200, removed.text
    shown = {item["id"]: item for item in page(client, "replies")["items"]}
    assert shown[busy]["reply_count"] == 1
    top_level = [i for i in ids(client, "replies") if i in {quiet, busy, answered}]
    assert top_level == [answered, busy, quiet]  # one each: newest first among equals


@pytest.mark.parametrize("sort", ["newest", "oldest", "best", "replies"])
def test_paging_shows_each_comment_once_while_reactions_land_elsewhere(
    client: TestClient, reader: SignedIn, voters: list[SignedIn], engine: Engine, sort: str
) -> None:
    """Reactions between two pages move the comments they land on; every other comment is
    still shown exactly once, in order, and the cursor still continues the order."""
    posted = [published(client, reader, f"Observation {n} on the budget.") for n in range(9)]
    for n, comment in enumerate(posted[:6]):
        for voter in voters[: n % 4]:
            react(client, voter, comment, "like")
    first = page(client, sort, limit=3)
    moved = {posted[7], posted[0]}
    for comment in sorted(moved):
        for voter in voters[4:]:
            react(client, voter, comment, "like" if comment == posted[7] else "dislike")
    rest = []
    cursor = first["next_cursor"]
    while cursor:
        answer = page(client, sort, limit=3, cursor=cursor)
        rest += [item["id"] for item in answer["items"]]
        cursor = answer["next_cursor"]

    shown = [item["id"] for item in first["items"]] + rest
    unmoved = [comment for comment in shown if comment not in moved]
    assert sorted(unmoved) == sorted(set(posted) - moved)
    settled = every_page(client, sort, limit=3)
    assert [c for c in settled if c not in moved] == unmoved  # the same order as unmoved


def test_each_order_keeps_its_own_anonymous_first_page(
    client: TestClient, reader: SignedIn, voters: list[SignedIn]
) -> None:
    older = published(client, reader, "Older and liked.")
    newer = published(client, reader, "Newer and not liked.")
    assert ids(client, "newest") == [newer, older]
    react(client, voters[0], older, "like")

    assert ids(client, "best") == [older, newer]
    assert ids(client, "newest") == [newer, older]


def test_a_signed_in_reader_sees_their_held_comment_in_its_place_in_every_order(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    shown = published(client, other_reader, "A published point.")
    mine = held(client, reader)
    for sort in ("newest", "best", "replies"):
        assert ids(client, sort, who=reader) == [mine, shown]
    assert ids(client, "oldest", who=reader) == [shown, mine]
    assert ids(client, "newest") == [shown]


def test_an_unknown_order_or_another_orders_cursor_is_refused_clearly(
    client: TestClient, reader: SignedIn
) -> None:
    for n in range(3):
        published(client, reader, f"Point {n} on the tram line.")
    unknown = client.get(f"/v1/articles/{ARTICLE}/comments", params={"sort": "loudest"})
    best_cursor = page(client, "best", limit=1)["next_cursor"]
    crossed = client.get(
        f"/v1/articles/{ARTICLE}/comments",
        params={"sort": "newest", "cursor": best_cursor},
    )

    assert unknown.status_code == 422
    assert unknown.json()["error"] == "validation_error"
    assert crossed.status_code == 422
    assert crossed.json()["error"] == "invalid_cursor"
