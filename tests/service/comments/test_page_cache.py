"""The anonymous read path served from memory: every change readers could see reaches the
cached first page and count at once on the worker that made it, within the freshness window on
every other instance sharing the database; signed-in pages are never shared; 304s."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select, update

from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.articles.models import Article
from service.comments.models import Comment
from service.comments.page_cache import MAX_ENTRY_AGE, PublicPages
from service.core.db import Database, DatabaseUnavailable
from service.core.settings import Settings
from tests.support.factories import (
    ARTICLE,
    SignedIn,
    held,
    published,
    report,
)

PAGE = f"/v1/articles/{ARTICLE}/comments"
COUNT = f"{PAGE}/count"


class FrozenClock:
    """Time that moves only when a test says so: the freshness window, without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def frozen(client: TestClient) -> FrozenClock:
    clock = FrozenClock()
    pages: PublicPages = client.app.state.public_pages  # type: ignore[attr-defined]
    pages.clock = clock
    return clock


def ids(client: TestClient) -> list[int]:
    response = client.get(PAGE)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def badge(client: TestClient) -> int:
    count: int = client.get(COUNT).json()["count"]
    return count


@pytest.fixture
def second_instance(settings: Settings, scorer: Scorer) -> Iterator[TestClient]:
    """Another app instance (another worker, or a replica) on the same database."""
    with TestClient(create_app(settings, scorer=scorer)) as other:
        yield other


def test_the_anonymous_page_is_served_from_memory_until_its_article_changes(
    client: TestClient, reader: SignedIn, database: Database
) -> None:
    comment_id = published(client, reader)
    frozen(client)
    first = client.get(PAGE)
    # A change behind the service's back (no version bump) is not seen: the page is cached...
    with database.session(writes=True) as session:
        session.execute(
            update(Comment).where(col(Comment.id) == comment_id).values(body="changed directly")
        )
    assert client.get(PAGE).content == first.content
    # ...until the article changes through the service.
    second = published(client, reader, "Another civil remark about the summit.")
    assert ids(client) == [second, comment_id]
    assert client.get(PAGE).json()["items"][1]["body"] == "changed directly"


def mod_url(comment_id: int, action: str) -> str:
    return f"/v1/admin/comments/{comment_id}/{action}"


Change = Callable[[TestClient, SignedIn, SignedIn, int], None]


def approve_held(client: TestClient, reader: SignedIn, moderator: SignedIn, _: int) -> None:
    held_id = held(client, reader)
    answer = client.post(mod_url(held_id, "approve"), json={}, headers=moderator.headers)
    assert answer.status_code == 200, answer.text


def reject(client: TestClient, _: SignedIn, moderator: SignedIn, comment_id: int) -> None:
    answer = client.post(
        mod_url(comment_id, "reject"),
        json={"reason": "offensive", "expected_status": "published"},
        headers=moderator.headers,
    )
    assert answer.status_code == 200, answer.text


def delete(client: TestClient, reader: SignedIn, _: SignedIn, comment_id: int) -> None:
    assert client.delete(f"/v1/comments/{comment_id}", headers=reader.headers).status_code == 204


def edit(client: TestClient, reader: SignedIn, _: SignedIn, comment_id: int) -> None:
    answer = client.patch(
        f"/v1/comments/{comment_id}",
        json={"body": "Edited: thanks for the clear report."},
        headers=reader.headers,
    )
    assert answer.status_code == 200, answer.text


def ban_and_reject_all(client: TestClient, reader: SignedIn, moderator: SignedIn, _: int) -> None:
    users = f"/v1/admin/users/{reader.id}"
    assert (
        client.post(f"{users}/ban", json={"reason": "spam"}, headers=moderator.headers).status_code
        == 200
    )
    answer = client.post(
        f"{users}/comments:reject", json={"reason": "spam"}, headers=moderator.headers
    )
    assert answer.status_code == 200, answer.text


def publish(client: TestClient, reader: SignedIn, _: SignedIn, __: int) -> None:
    published(client, reader, "A second civil remark on the trilateral statement.")


CHANGES: dict[str, Change] = {
    "publish": publish,
    "approve": approve_held,
    "reject": reject,
    "delete": delete,
    "edit": edit,
    "ban_and_reject_all": ban_and_reject_all,
}


def anonymous_view(client: TestClient) -> tuple[Any, int]:
    return client.get(PAGE).json()["items"], badge(client)


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_each_change_reaches_the_cached_page_at_once_on_its_instance(
    client: TestClient, reader: SignedIn, moderator: SignedIn, change: Change
) -> None:
    comment_id = published(client, reader)
    frozen(client)  # the freshness window never ends: only the write's own invalidation helps
    before = anonymous_view(client)

    change(client, reader, moderator, comment_id)

    assert anonymous_view(client) != before


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_another_instance_sees_each_change_within_its_freshness_window(
    client: TestClient,
    second_instance: TestClient,
    reader: SignedIn,
    moderator: SignedIn,
    settings: Settings,
    change: Change,
) -> None:
    comment_id = published(client, reader)
    clock = frozen(second_instance)
    before = anonymous_view(second_instance)

    change(client, reader, moderator, comment_id)
    inside = anonymous_view(second_instance)
    clock.now += settings.read_cache_freshness
    after = anonymous_view(client)

    # Inside the window it may serve what it had (on PostgreSQL the change's live event may
    # already have told it, `test_a_live_event_refreshes_another_instance_at_once`)...
    assert inside in (before, after)
    assert anonymous_view(second_instance) == after != before  # ...not after


def test_a_live_event_refreshes_another_instance_at_once(
    client: TestClient, second_instance: TestClient, reader: SignedIn, database: Database
) -> None:
    """On PostgreSQL the other instance hears the change's NOTIFY and drops its page at once,
    its freshness window notwithstanding (the clock never moves here)."""
    if database.listen_url() is None:
        pytest.skip("SQLite: events reach only the instance that made the change")
    published(client, reader)
    frozen(second_instance)
    before = anonymous_view(second_instance)
    broker = second_instance.app.state.live  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while not broker.listening.is_set():  # it connects at start-up
        assert time.monotonic() < deadline, "the instance never listened"
        time.sleep(0.05)

    published(client, reader, "A second civil remark, heard live.")

    while anonymous_view(second_instance) == before:
        assert time.monotonic() < deadline, "the change never reached the other instance"
        time.sleep(0.05)
    assert anonymous_view(second_instance) == anonymous_view(client)


def test_a_readers_own_held_comment_is_never_served_to_anyone_else(
    client: TestClient, reader: SignedIn, other_reader: SignedIn
) -> None:
    shown = published(client, reader)
    hidden = held(client, reader)

    own = client.get(PAGE, headers=reader.headers)
    anonymous = client.get(PAGE)
    other = client.get(PAGE, headers=other_reader.headers)

    assert [item["id"] for item in own.json()["items"]] == [hidden, shown]
    assert own.headers["cache-control"] == "private, no-store"
    assert [item["id"] for item in anonymous.json()["items"]] == [shown]
    assert [item["id"] for item in other.json()["items"]] == [shown]
    assert anonymous.headers["cache-control"].startswith("public")
    assert own.headers["etag"] != anonymous.headers["etag"]


def test_the_author_sees_a_new_comment_at_once_on_every_instance(
    client: TestClient, second_instance: TestClient, reader: SignedIn
) -> None:
    frozen(second_instance)
    anonymous_view(second_instance)
    comment_id = held(client, reader)

    mine = second_instance.get(PAGE, headers=reader.headers).json()["items"]

    assert [item["id"] for item in mine] == [comment_id]


@pytest.mark.parametrize("path", [PAGE, COUNT])
def test_an_unchanged_answer_is_304_and_a_changed_one_is_not(
    client: TestClient, reader: SignedIn, path: str
) -> None:
    published(client, reader)
    first = client.get(path)
    etag = first.headers["etag"]

    again = client.get(path, headers={"If-None-Match": etag})
    weak = client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
    published(client, reader, "One more civil remark on the summit.")
    changed = client.get(path, headers={"If-None-Match": etag})

    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert weak.status_code == 304
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def article_version(database: Database) -> int:
    with database.session() as session:
        return session.exec(select(Article.version).where(Article.id == ARTICLE)).one()


def test_what_readers_cannot_see_leaves_the_cached_page_alone(
    client: TestClient,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    database: Database,
) -> None:
    """A report, a moderator keeping a reported comment up, a held comment: no rebuild."""
    comment_id = published(client, reader)
    etag = client.get(PAGE).headers["etag"]
    version = article_version(database)

    assert report(client, other_reader, comment_id).status_code == 201
    kept = client.post(mod_url(comment_id, "approve"), json={}, headers=moderator.headers)
    held(client, other_reader)

    assert kept.status_code == 200, kept.text
    assert article_version(database) == version
    assert client.get(PAGE, headers={"If-None-Match": etag}).status_code == 304


def test_without_the_cache_every_read_goes_to_the_database(
    settings: Settings, scorer: Scorer, reader: SignedIn, database: Database
) -> None:
    uncached = settings.model_copy(update={"read_cache": False})
    with TestClient(create_app(uncached, scorer=scorer)) as client:
        comment_id = published(client, reader)
        ids(client)
        with database.session(writes=True) as session:
            session.execute(
                update(Comment).where(col(Comment.id) == comment_id).values(body="changed")
            )
        assert client.get(PAGE).json()["items"][0]["body"] == "changed"


def test_readers_keep_the_page_they_had_while_the_database_is_unavailable(
    client: TestClient, reader: SignedIn, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    published(client, reader)
    clock = frozen(client)
    before = client.get(PAGE)
    pages: PublicPages = client.app.state.public_pages  # type: ignore[attr-defined]

    async def unavailable(*_: object, **__: object) -> None:
        raise DatabaseUnavailable(retry_after=2)

    monkeypatch.setattr(pages.database, "run", unavailable)
    clock.now += settings.read_cache_freshness
    during = client.get(PAGE)
    clock.now += MAX_ENTRY_AGE
    later = client.get(PAGE)

    assert (during.status_code, during.content) == (200, before.content)
    assert (later.status_code, later.json()["error"]) == (503, "database_unavailable")
