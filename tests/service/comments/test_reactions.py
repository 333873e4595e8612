"""Likes and dislikes: one per reader per comment, counted on the comment in every list, under a
daily cap; what may rank a comment leaves out new and banned accounts; counts never drift."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from auth.models import User
from service.comments.models import Comment, Reaction
from service.comments.reactions import reaction_drift, repair_reaction_counts
from service.core.db import utcnow
from tests.support.factories import ARTICLE, SignedIn, held, published, sign_in


def react(client: TestClient, who: SignedIn, comment_id: int, kind: str) -> Any:
    return client.put(
        f"/v1/comments/{comment_id}/reaction", json={"kind": kind}, headers=who.headers
    )


def take_back(client: TestClient, who: SignedIn, comment_id: int) -> Any:
    return client.delete(f"/v1/comments/{comment_id}/reaction", headers=who.headers)


def listed(client: TestClient, who: SignedIn | None = None) -> dict[int, dict[str, Any]]:
    headers = who.headers if who else {}
    page = client.get(f"/v1/articles/{ARTICLE}/comments", headers=headers)
    assert page.status_code == 200, page.text
    return {item["id"]: item for item in page.json()["items"]}


def counts(engine: Engine, comment_id: int) -> tuple[int, int, int, int]:
    with Session(engine) as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return (comment.likes, comment.dislikes, comment.ranked_likes, comment.ranked_dislikes)


def age(engine: Engine, who: SignedIn, *, days: float) -> None:
    with Session(engine) as session:
        session.execute(
            update(User)
            .where(col(User.id) == who.id)
            .values(created_at=utcnow() - timedelta(days=days))
        )
        session.commit()


def set_moderation(client: TestClient, admin: SignedIn, **changes: Any) -> None:
    response = client.put("/v1/admin/settings", json=changes, headers=admin.headers)
    assert response.status_code == 200, response.text


def test_a_reaction_is_counted_shown_changed_and_taken_back(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    comment = published(client, reader, "The port budget deserves a closer look.")
    assert listed(client)[comment]["likes"] == 0  # the anonymous page is cached now

    liked = react(client, other_reader, comment, "like")

    assert liked.status_code == 200, liked.text
    assert liked.json() == {"comment_id": comment, "likes": 1, "dislikes": 0, "my_reaction": "like"}
    assert (listed(client)[comment]["likes"], listed(client)[comment]["my_reaction"]) == (1, None)
    assert listed(client, other_reader)[comment]["my_reaction"] == "like"
    assert listed(client, reader)[comment]["my_reaction"] is None
    again = react(client, other_reader, comment, "like")
    assert (again.json()["likes"], again.json()["dislikes"]) == (1, 0)
    changed = react(client, other_reader, comment, "dislike")
    assert changed.json() == {
        "comment_id": comment,
        "likes": 0,
        "dislikes": 1,
        "my_reaction": "dislike",
    }
    taken = take_back(client, other_reader, comment)
    assert taken.status_code == 200, taken.text
    assert taken.json() == {"comment_id": comment, "likes": 0, "dislikes": 0, "my_reaction": None}
    assert take_back(client, other_reader, comment).json()["dislikes"] == 0
    assert (listed(client)[comment]["likes"], listed(client)[comment]["dislikes"]) == (0, 0)


def test_who_may_react_to_what(
    client: TestClient, engine: Engine, reader: SignedIn, other_reader: SignedIn, admin: SignedIn
) -> None:
    comment = published(client, reader, "Thanks for the clear report on the summit.")
    hidden = held(client, reader)

    own = react(client, reader, comment, "like")
    assert (own.status_code, own.json()["error"]) == (403, "own_comment")
    not_shown = react(client, other_reader, hidden, "like")
    assert (not_shown.status_code, not_shown.json()["error"]) == (404, "comment_not_found")
    missing = react(client, other_reader, 10**9, "like")
    assert (missing.status_code, missing.json()["error"]) == (404, "comment_not_found")
    anonymous = client.put(f"/v1/comments/{comment}/reaction", json={"kind": "like"})
    assert anonymous.status_code == 401
    odd = client.put(
        f"/v1/comments/{comment}/reaction",
        json={"kind": "love", "extra": 1},
        headers=other_reader.headers,
    )
    assert (odd.status_code, odd.json()["error"]) == (422, "validation_error")
    banned = client.post(
        f"/v1/admin/users/{other_reader.id}/ban", json={"reason": "spam"}, headers=admin.headers
    )
    assert banned.status_code == 200, banned.text
    refused = react(client, other_reader, comment, "like")
    assert (refused.status_code, refused.json()["error"]) == (403, "user_banned")
    assert counts(engine, comment) == (0, 0, 0, 0)


def test_new_reactions_stop_at_the_daily_cap_and_a_changed_mind_is_not_a_new_one(
    client: TestClient, engine: Engine, reader: SignedIn, other_reader: SignedIn, admin: SignedIn
) -> None:
    set_moderation(client, admin, daily_caps={"reactions": 2})
    comments = [published(client, reader, f"Point {n} about the port budget.") for n in range(3)]

    assert react(client, other_reader, comments[0], "like").status_code == 200
    assert react(client, other_reader, comments[1], "like").status_code == 200
    assert react(client, other_reader, comments[1], "dislike").status_code == 200
    assert take_back(client, other_reader, comments[0]).status_code == 200
    refused = react(client, other_reader, comments[2], "like")

    assert refused.status_code == 429
    body = refused.json()
    assert (body["error"], body["limit"], body["scope"]) == ("daily_limit_reached", 2, "reactions")
    assert "resets_at" in body
    assert counts(engine, comments[2])[:2] == (0, 0)
    set_moderation(client, admin, daily_caps={"reactions": None})
    assert react(client, other_reader, comments[2], "like").status_code == 200


def test_ranking_leaves_out_new_accounts_and_accounts_banned_since(
    client: TestClient, engine: Engine, reader: SignedIn, other_reader: SignedIn, admin: SignedIn
) -> None:
    comment = published(client, reader, "The council should publish the contract.")
    newcomer = sign_in(engine, "Brand New Account")
    age(engine, other_reader, days=30)

    react(client, other_reader, comment, "like")
    react(client, newcomer, comment, "dislike")

    assert counts(engine, comment) == (1, 1, 1, 0)
    client.post(
        f"/v1/admin/users/{other_reader.id}/ban", json={"reason": "votes"}, headers=admin.headers
    )
    assert counts(engine, comment) == (1, 1, 0, 0)  # readers still see what was given
    set_moderation(client, admin, reactions={"ranking_min_account_age_hours": 0})
    late = sign_in(engine, "Another New Account")
    react(client, late, comment, "like")
    assert counts(engine, comment) == (2, 1, 1, 0)
    with Session(engine) as session:
        assert reaction_drift(session) == []


def test_the_same_reader_reacting_at_once_from_many_tabs_counts_once(
    client: TestClient, engine: Engine, reader: SignedIn, other_reader: SignedIn
) -> None:
    comment = published(client, reader, "A thoughtful piece on the election law.")
    kinds = ["like", "dislike"] * 8

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda kind: react(client, other_reader, comment, kind), kinds))

    assert {answer.status_code for answer in answers} == {200}
    likes, dislikes, _, _ = counts(engine, comment)
    assert likes + dislikes == 1
    with Session(engine) as session:
        assert len(session.exec(select(Reaction)).all()) == 1
        assert reaction_drift(session) == []


def test_a_drifted_count_is_found_and_repaired(
    client: TestClient, engine: Engine, reader: SignedIn, other_reader: SignedIn
) -> None:
    comment = published(client, reader, "A thoughtful piece on the election law.")
    react(client, other_reader, comment, "like")
    with Session(engine) as session:
        session.execute(update(Comment).where(col(Comment.id) == comment).values(likes=7))
        session.commit()

    with Session(engine) as session:
        assert reaction_drift(session) == [f"likes of comment {comment}: stored 7, counted 1"]
        repair_reaction_counts(session)
        session.commit()
        assert reaction_drift(session) == []
    assert counts(engine, comment)[0] == 1


def test_a_departed_reader_s_reactions_go_with_their_counts(
    client: TestClient, engine: Engine, reader: SignedIn, other_reader: SignedIn
) -> None:
    first = published(client, reader, "The port budget deserves a closer look.")
    second = published(client, reader, "And the harbour dredging too.")
    react(client, other_reader, first, "like")
    react(client, other_reader, second, "dislike")
    assert listed(client)[first]["likes"] == 1  # cached

    left = client.request("DELETE", "/v1/me", headers=other_reader.headers)

    assert left.status_code == 200, left.text
    assert counts(engine, first) == (0, 0, 0, 0)
    assert counts(engine, second) == (0, 0, 0, 0)
    assert (listed(client)[first]["likes"], listed(client)[second]["dislikes"]) == (0, 0)
    with Session(engine) as session:
        assert session.exec(select(Reaction)).all() == []


@pytest.mark.parametrize("kind", ["like", "dislike"])
def test_counts_are_on_the_reader_s_own_list_and_the_moderators_view(
    client: TestClient, reader: SignedIn, other_reader: SignedIn, moderator: SignedIn, kind: str
) -> None:
    comment = published(client, reader, "The port budget deserves a closer look.")
    react(client, other_reader, comment, kind)

    mine = client.get("/v1/me/comments", headers=reader.headers).json()["items"]
    shown = client.get(f"/v1/admin/comments/{comment}", headers=moderator.headers)

    assert mine[0][f"{kind}s"] == 1
    assert shown.status_code == 200, shown.text
    assert shown.json()[f"{kind}s"] == 1
