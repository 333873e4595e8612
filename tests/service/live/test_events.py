"""Live events: a comment published, approved, edited or taken down reaches every open stream
of its article, on every worker (over PostgreSQL's NOTIFY; on SQLite, the worker's own), with
the published count; a full worker answers 503; a slow stream is dropped, not waited for."""

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from auth.models import Role
from service.core.db import make_engine
from service.live.broker import STREAM_BACKLOG, Broker, StreamClosed
from service.live.events import COUNT, CREATED, QUEUES, UPDATED, LiveEvent
from tests.support.factories import ARTICLE, TOXIC, SignedIn, sign_in
from tests.support.serving import quiet_settings, start_serving, wait_until_serving
from tests.support.stalled import unused_port

STREAMS = 6


class Listener:
    """One open event stream, read on its own thread: the events it got, in order."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.open = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url, headers or {}), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        with (
            httpx2.Client(timeout=httpx2.Timeout(30, read=60)) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            name = None
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("retry:"):
                    self.open.set()
                elif line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: ") and name:
                    self.events.append((name, json.loads(line.removeprefix("data: "))))
                    name = None

    def got(self, wanted: tuple[str, dict[str, Any]]) -> bool:
        return wanted in self.events

    def close(self) -> None:
        self._stop.set()


def wait_for(condition: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the event never arrived"
        time.sleep(0.05)


@contextmanager
def serving(database_url: str) -> Iterator[str]:
    """`commentmod serve` as deployed: two workers on PostgreSQL, one on SQLite."""
    postgres = make_url(database_url).get_backend_name() == "postgresql"
    port = unused_port()
    server = start_serving(
        port,
        {**quiet_settings(database_url), "COMMENTMOD_LIVE_HEARTBEAT": "1"},
        "--workers",
        "2" if postgres else "1",
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_stream_on_every_worker_hears_what_readers_see_change(database_url: str) -> None:
    engine = make_engine(database_url)
    reader = sign_in(engine, "Live Reader")
    moderator = sign_in(engine, "Live Moderator", Role.MODERATOR)
    engine.dispose()
    with serving(database_url) as base:
        listeners = [Listener(f"{base}/v1/articles/{ARTICLE}/events") for _ in range(STREAMS)]
        quiet = Listener(f"{base}/v1/articles/another-article/events")
        desk = Listener(f"{base}/v1/admin/events", moderator.headers)
        for listener in [*listeners, quiet, desk]:
            assert listener.open.wait(30)
        api = httpx2.Client(base_url=base, timeout=30)

        def post(body: str, **extra: Any) -> dict[str, Any]:
            response = api.post(
                f"/v1/articles/{ARTICLE}/comments",
                json={"body": body, **extra},
                headers=reader.headers,
            )
            assert response.status_code == 201, response.text
            answer: dict[str, Any] = response.json()
            return answer

        # Until every worker listens (it connects at start-up), a warm-up comment each second.
        warm: list[int] = []

        def all_heard() -> bool:
            if not warm or not all(
                any(e == (CREATED, {"id": c, "parent_id": None}) for c in warm for e in x.events)
                for x in listeners
            ):
                warm.append(post(f"Warming up {len(warm)}.")["id"])
                time.sleep(1)
                return False
            return True

        wait_for(all_heard, 60)
        first = post("The council's vote, explained.")
        desk.events.clear()
        held = post(TOXIC, acknowledge_toxicity=True)
        assert held["status"] == "held"
        wait_for(lambda: desk.got((QUEUES, {})))  # the console reads its counts again
        count = len(warm) + 1

        for listener in listeners:
            wait_for(lambda x=listener: x.got((CREATED, {"id": first["id"], "parent_id": None})))
            wait_for(lambda x=listener: x.got((COUNT, {"count": count})))
        approved = api.post(
            f"/v1/admin/comments/{held['id']}/approve", json={}, headers=moderator.headers
        )
        assert approved.status_code == 200, approved.text
        edited = api.patch(
            f"/v1/comments/{first['id']}",
            json={"body": "The council's vote, explained again."},
            headers=reader.headers,
        )
        assert edited.status_code == 200, edited.text
        for listener in listeners:
            wait_for(lambda x=listener: x.got((CREATED, {"id": held["id"], "parent_id": None})))
            wait_for(lambda x=listener: x.got((COUNT, {"count": count + 1})))
            wait_for(lambda x=listener: x.got((UPDATED, {"id": first["id"], "parent_id": None})))
            names = [name for name, data in listener.events if data.get("id") == held["id"]]
            assert names == [CREATED]  # nothing while it was held
        assert quiet.events == []
        for listener in [*listeners, quiet, desk]:
            listener.close()
        api.close()


def test_only_moderators_hear_the_queues(client: TestClient, reader: SignedIn) -> None:
    anonymous = client.get("/v1/admin/events")
    as_reader = client.get("/v1/admin/events", headers=reader.headers)

    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "not_authenticated")
    assert (as_reader.status_code, as_reader.json()["error"]) == (403, "forbidden")


def test_a_full_worker_answers_503_and_a_bad_article_id_422(client: TestClient) -> None:
    broker: Broker = client.app.state.live  # type: ignore[attr-defined]
    broker.max_streams = 1

    with broker.stream("held-open"):
        full = client.get(f"/v1/articles/{ARTICLE}/events")
    malformed = client.get("/v1/articles/bad%20id/events")

    assert full.status_code == 503
    assert full.json()["error"] == "streams_full"
    assert malformed.status_code == 422
    assert malformed.json()["error"] == "validation_error"


def test_a_stream_too_slow_to_drain_is_dropped_and_the_others_go_on() -> None:
    async def scenario() -> None:
        broker = Broker(max_streams=10)
        with broker.stream("a") as slow, broker.stream("a") as fast, broker.stream("b") as other:
            for n in range(STREAM_BACKLOG):
                broker.publish(LiveEvent("a", COUNT, {"count": n}))
                assert (await fast.next()).data == {"count": n}
            broker.publish(LiveEvent("a", COUNT, {"count": STREAM_BACKLOG}))
            with pytest.raises(StreamClosed):
                await slow.next()
            assert (await fast.next()).data == {"count": STREAM_BACKLOG}
            assert other.queue.empty()
            assert broker.open_streams == 3
        assert broker.open_streams == 0

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "payload", ["", "not json", "[]", '{"a": "x", "e": "comment.deleted", "d": {}}', '{"a": 1}']
)
def test_a_notification_that_is_not_ours_is_ignored(payload: str) -> None:
    assert LiveEvent.parse(payload) is None
