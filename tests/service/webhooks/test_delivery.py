"""Webhooks end to end against a real receiver on a local port: signed deliveries, retries with
back-off, pausing an endpoint that keeps failing, and nothing lost when a worker dies
mid-delivery. Rounds are run by the test (`deliver_round`), not by a background task, so each
step is observable."""

import asyncio
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.scoring.scorers import Scorer
from service.app import create_app
from service.audit.service import record
from service.core.db import Database
from service.core.settings import Settings
from service.retention.service import prune
from service.webhooks.models import WebhookDelivery, WebhookEvent
from service.webhooks.service import (
    Outcome,
    Outgoing,
    backoff,
    claim_due,
    dispatch,
    record_results,
    send,
)
from service.webhooks.worker import deliver_round
from tests.support.app import POSTGRES_URL
from tests.support.factories import CIVIL, SignedIn, held, post, published, report
from tests.support.retention import TERMS
from tests.support.served import Served
from tests.support.stalled import unused_port


@dataclass
class Receiver:
    """A newsroom's endpoint: records what it gets, answers the statuses it is told to."""

    answers: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.received.append({"headers": dict(request.headers), "body": body})
        return Response(status_code=self.answers.pop(0) if self.answers else 200)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    got, port = Receiver(), unused_port()
    app = Starlette(routes=[Route("/hooks", got.handle, methods=["POST"])])
    with Served(app, port):
        yield got, f"http://127.0.0.1:{port}/hooks"


@pytest.fixture
def webhook_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhook_allowed_hosts": ["127.0.0.1"],
            "webhook_retry_base": 60.0,
            "webhook_pause_after": 3,
            "webhook_max_attempts": 4,
        }
    )


@pytest.fixture
def client(webhook_settings: Settings, scorer: Scorer) -> Iterator[TestClient]:
    with TestClient(create_app(webhook_settings, scorer=scorer)) as test_client:
        yield test_client


@dataclass
class Hooks:
    """What most of these tests need: the app, its database and settings, the receiver, an
    admin to register endpoints and a reader to make events."""

    client: TestClient
    database: Database
    settings: Settings
    receiver: tuple[Receiver, str]
    admin: SignedIn
    reader: SignedIn

    def __iter__(self) -> Iterator[Any]:
        return iter(
            (self.client, self.database, self.settings, self.receiver, self.admin, self.reader)
        )


@pytest.fixture
def hooks(
    client: TestClient,
    database: Database,
    webhook_settings: Settings,
    receiver: tuple[Receiver, str],
    admin: SignedIn,
    reader: SignedIn,
) -> Hooks:
    return Hooks(client, database, webhook_settings, receiver, admin, reader)


def deliver(database: Database, settings: Settings) -> int:
    async def one_round() -> int:
        async with httpx2.AsyncClient(timeout=settings.webhook_timeout, trust_env=False) as http:
            return await deliver_round(database, http, settings)

    return asyncio.run(one_round())


def time_passes(database: Database, seconds: float) -> None:
    """Moves every wait and claim `seconds` closer to its end, as the clock would."""
    shift = timedelta(seconds=seconds)
    with database.session(writes=True) as session:
        for delivery in session.exec(select(WebhookDelivery)).all():
            delivery.next_attempt_at -= shift
            if delivery.claimed_until is not None:
                delivery.claimed_until -= shift
            session.add(delivery)


def subscribe(client: TestClient, admin: SignedIn, url: str, *events: str) -> dict[str, Any]:
    answer = client.post(
        "/v1/admin/webhooks",
        json={"url": url, "events": list(events) or ["comment.created"]},
        headers=admin.headers,
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def deliveries(client: TestClient, admin: SignedIn, webhook_id: int) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/admin/webhooks/{webhook_id}/deliveries", headers=admin.headers)
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def verify(delivery: dict[str, Any], secret: str) -> dict[str, Any]:
    """What a receiver does: recompute the signature over "<t>.<body>" and compare."""
    fields = dict(
        part.split("=", 1) for part in delivery["headers"]["commentmod-signature"].split(",")
    )
    signed = f"{fields['t']}.".encode() + delivery["body"]
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected)
    assert abs(time.time() - int(fields["t"])) < 60
    body: dict[str, Any] = json.loads(delivery["body"])
    return body


def test_a_new_comment_reaches_the_receiver_signed(
    hooks: Hooks,
) -> None:
    client, database, webhook_settings, receiver, admin, reader = hooks
    got, url = receiver
    hook = subscribe(client, admin, url, "comment.created")
    assert hook["secret"].startswith("whsec_")
    assert "secret" not in client.get("/v1/admin/webhooks", headers=admin.headers).json()[0]

    comment_id = published(client, reader)
    assert deliver(database, webhook_settings) == 1

    [delivery] = got.received
    event = verify(delivery, hook["secret"])
    assert event["type"] == "comment.created"
    assert event["data"]["comment_id"] == comment_id
    assert event["data"]["to_status"] == "published"
    assert event["data"]["actor"] == {"kind": "system", "id": None}
    assert delivery["headers"]["commentmod-event"] == "comment.created"
    assert delivery["headers"]["commentmod-event-id"] == event["id"]
    [logged] = deliveries(client, admin, hook["id"])
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == (
        "delivered",
        1,
        200,
    )
    assert deliver(database, webhook_settings) == 0  # delivered once, not again


def test_each_endpoint_gets_only_the_events_it_asked_for(
    hooks: Hooks,
    other_reader: SignedIn,
    moderator: SignedIn,
) -> None:
    client, database, webhook_settings, receiver, admin, reader = hooks
    got, url = receiver
    subscribe(client, admin, url, "comment.status_changed", "comment.reported", "user.sanctioned")
    comment_id = held(client, reader)  # comment.created: not asked for
    client.post(f"/v1/admin/comments/{comment_id}/approve", headers=moderator.headers)
    report(client, other_reader, comment_id)
    client.post(
        f"/v1/admin/users/{reader.id}/ban", json={"reason": "abuse"}, headers=moderator.headers
    )
    while deliver(database, webhook_settings):
        pass

    events = sorted((json.loads(d["body"]) for d in got.received), key=lambda e: e["created_at"])
    assert [e["type"] for e in events] == [
        "comment.status_changed",
        "comment.reported",
        "user.sanctioned",
    ]
    changed, _, banned = (e["data"] for e in events)
    assert (changed["from_status"], changed["to_status"]) == ("held", "published")
    assert changed["actor"] == {"kind": "person", "id": moderator.id}
    assert (banned["action"], banned["user_id"], banned["reason"]) == (
        "user_ban",
        reader.id,
        "abuse",
    )


def test_a_failing_receiver_is_retried_with_back_off_under_one_event_id(
    hooks: Hooks,
) -> None:
    client, database, webhook_settings, receiver, admin, reader = hooks
    got, url = receiver
    got.answers = [500, 503]
    hook = subscribe(client, admin, url)
    published(client, reader)

    assert deliver(database, webhook_settings) == 1  # 500
    assert deliver(database, webhook_settings) == 0  # waiting out the back-off (60 s)
    [waiting] = deliveries(client, admin, hook["id"])
    assert (waiting["status"], waiting["attempts"], waiting["last_error"]) == (
        "pending",
        1,
        "HTTP 500",
    )
    time_passes(database, 61)
    assert deliver(database, webhook_settings) == 1  # 503; the next wait is twice as long
    time_passes(database, 61)
    assert deliver(database, webhook_settings) == 0
    time_passes(database, 60)
    assert deliver(database, webhook_settings) == 1  # 200

    ids = {d["headers"]["commentmod-event-id"] for d in got.received}
    assert (len(got.received), len(ids)) == (3, 1)  # a receiver can drop the repeats
    [done] = deliveries(client, admin, hook["id"])
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("delivered", 3, 200)


def test_an_endpoint_that_keeps_failing_is_paused_and_loses_nothing(
    hooks: Hooks,
) -> None:
    client, database, webhook_settings, receiver, admin, reader = hooks
    got, url = receiver
    got.answers = [500, 500, 500]
    hook = subscribe(client, admin, url)
    for text in ("First", "Second", "Third"):
        published(client, reader, f"{CIVIL} {text}")
    assert deliver(database, webhook_settings) == 3  # all three fail: the third pauses it

    [paused] = client.get("/v1/admin/webhooks", headers=admin.headers).json()
    assert paused["paused_at"] is not None
    assert paused["paused_reason"] == "3 deliveries failed in a row; the last: HTTP 500"
    time_passes(database, 3600)
    assert deliver(database, webhook_settings) == 0  # paused: nothing is sent...

    resumed = client.post(f"/v1/admin/webhooks/{hook['id']}/resume", headers=admin.headers)
    assert resumed.json()["paused_at"] is None
    assert deliver(database, webhook_settings) == 3  # ...and nothing was dropped
    assert len(got.received) == 6
    assert {d["status"] for d in deliveries(client, admin, hook["id"])} == {"delivered"}


def test_a_delivery_dies_with_its_worker_and_is_sent_by_the_next(
    hooks: Hooks,
) -> None:
    client, database, webhook_settings, receiver, admin, reader = hooks
    got, url = receiver
    subscribe(client, admin, url)
    published(client, reader)
    deliver(database, webhook_settings.model_copy(update={"webhook_allowed_hosts": []}))
    got.received.clear()  # (that round was refused: 127.0.0.1 not allowed; it waits to retry)

    time_passes(database, 61)  # past the back-off the refusal set
    with database.session(writes=True) as session:  # a worker claims it, then its process dies
        [lost] = claim_due(session, lease=timedelta(seconds=60))
    assert deliver(database, webhook_settings) == 0  # still claimed by the dead worker
    time_passes(database, 61)
    assert deliver(database, webhook_settings) == 1  # the claim ran out: sent
    assert json.loads(got.received[0]["body"])["id"] == lost.event_uid


def test_an_event_exists_only_if_its_change_was_committed(database: Database) -> None:
    def failing_change(session: Session) -> None:
        record(session, action="user_ban", reason="spam", actor_id=None)
        raise RuntimeError("the change fails after its audit row was written")

    with pytest.raises(RuntimeError):
        asyncio.run(database.run(failing_change, writes=True))
    with database.session() as session:
        assert session.exec(select(WebhookEvent)).all() == []

    with database.session(writes=True) as session:
        record(session, action="user_ban", reason="spam", actor_id=None)
    with Session(database.engine) as session:
        [event] = session.exec(select(WebhookEvent)).all()
        assert event.type == "user.sanctioned"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:8080/hooks",  # loopback too; only 127.0.0.1 is allowed here
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://localhost/hooks",
        "http://cms.internal/hooks",
        "ftp://hooks.example.com/",
        "https://user:pass@hooks.example.com/",
        "https://hooks.example.com:99999/",
        "http://2130706433/hooks",  # 127.0.0.1 in the forms resolvers accept
        "http://0177.0.0.1/hooks",
        "http://0x7f.1/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://[fd00::1]/hooks",
    ],
)
def test_receivers_on_private_addresses_are_refused(
    client: TestClient, admin: SignedIn, url: str
) -> None:
    answer = client.post(
        "/v1/admin/webhooks",
        json={"url": url, "events": ["comment.created"]},
        headers={**admin.headers},
    )
    assert (answer.status_code, answer.json()["error"]) == (422, "webhook_url_refused")


def test_a_public_name_that_resolves_privately_is_refused_at_delivery(
    client: TestClient,
    database: Database,
    settings: Settings,
    admin: SignedIn,
    reader: SignedIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = socket.getaddrinfo

    def rebound(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.com":  # accepted as a public name, now pointing inside
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    hook = subscribe(client, admin, "http://hooks.example.com/hooks")
    published(client, reader)
    deliver(database, settings)
    [refused] = deliveries(client, admin, hook["id"])
    assert refused["last_error"] == "refused: a private address"


def test_webhooks_are_for_admins(client: TestClient, moderator: SignedIn, admin: SignedIn) -> None:
    for method, path in [
        ("GET", "/v1/admin/webhooks"),
        ("POST", "/v1/admin/webhooks"),
        ("DELETE", "/v1/admin/webhooks/1"),
        ("POST", "/v1/admin/webhooks/1/resume"),
        ("GET", "/v1/admin/webhooks/1/deliveries"),
    ]:
        answer = client.request(method, path, json={}, headers=moderator.headers)
        assert (answer.status_code, answer.json()["error"]) == (403, "forbidden"), path
    missing = client.delete("/v1/admin/webhooks/999", headers=admin.headers)
    assert (missing.status_code, missing.json()["error"]) == (404, "webhook_not_found")


def test_deleting_an_endpoint_stops_its_deliveries(
    hooks: Hooks,
) -> None:
    client, database, webhook_settings, receiver, admin, reader = hooks
    got, url = receiver
    hook = subscribe(client, admin, url)
    post(client, reader, CIVIL)
    with database.session(writes=True) as session:
        assert dispatch(session) == 1  # a delivery is waiting...
    assert (
        client.delete(f"/v1/admin/webhooks/{hook['id']}", headers=admin.headers).status_code == 204
    )
    deliver(database, webhook_settings)
    assert got.received == []
    assert client.get("/v1/admin/webhooks", headers=admin.headers).json() == []


def wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_service_delivers_by_itself_and_a_restart_loses_nothing(
    webhook_settings: Settings,
    scorer: Scorer,
    database: Database,
    admin: SignedIn,
    reader: SignedIn,
) -> None:
    received: list[str] = []

    async def slow_then_fine(request: Request) -> Response:
        received.append(json.loads(await request.body())["id"])
        if len(received) == 1:
            await asyncio.sleep(2)  # the service stops while this one is in flight
        return Response(status_code=200)

    port = unused_port()
    running = webhook_settings.model_copy(update={"webhook_interval": 0.05, "webhook_timeout": 5.0})
    receiver_app = Starlette(routes=[Route("/hooks", slow_then_fine, methods=["POST"])])
    with Served(receiver_app, port):
        with TestClient(create_app(running, scorer=scorer)) as first:
            hook = subscribe(first, admin, f"http://127.0.0.1:{port}/hooks")
            published(first, reader)
            wait_for(lambda: len(received) == 1)  # in flight when the service stops
        [waiting] = deliveries_of(database, hook["id"])
        assert (waiting.status, waiting.attempts) == ("pending", 0)  # cut off, not recorded
        assert waiting.claimed_until is not None  # still claimed by the worker that stopped

        time_passes(database, 3600)  # the dead worker's claim runs out
        with TestClient(create_app(running, scorer=scorer)) as second:
            wait_for(lambda: deliveries(second, admin, hook["id"])[0]["status"] == "delivered")
    assert len(received) == 2
    assert received[0] == received[1]  # the same event, its id telling the receiver so


def deliveries_of(database: Database, endpoint_id: int) -> list[WebhookDelivery]:
    with database.session() as session:
        return list(
            session.exec(
                select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
            ).all()
        )


def test_allowed_hosts_are_read_from_the_environment_as_a_list() -> None:
    settings = Settings(webhook_allowed_hosts="127.0.0.1, Hooks.Internal ,")
    assert settings.webhook_allowed_hosts == ["127.0.0.1", "hooks.internal"]


def test_old_events_and_finished_deliveries_are_forgotten_pending_ones_kept(
    hooks: Hooks,
) -> None:
    client, database, webhook_settings, receiver, admin, reader = hooks
    got, url = receiver
    got.answers = [200, 500]
    hook = subscribe(client, admin, url)
    published(client, reader, f"{CIVIL} one")
    deliver(database, webhook_settings)  # delivered
    published(client, reader, f"{CIVIL} two")
    deliver(database, webhook_settings)  # failed once: pending
    with database.session(writes=True) as session:
        for event in session.exec(select(WebhookEvent)):
            event.created_at -= timedelta(days=31)
            session.add(event)
        for delivery in session.exec(select(WebhookDelivery)):
            if delivery.finished_at is not None:
                delivery.finished_at -= timedelta(days=31)
                session.add(delivery)
    assert asyncio.run(prune(database, TERMS)) == {"webhook_deliveries": 1, "webhook_events": 1}
    [kept] = deliveries(client, admin, hook["id"])
    assert kept["status"] == "pending"


def test_a_late_answer_after_the_claim_ran_out_changes_nothing(
    hooks: Hooks,
) -> None:
    client, database, webhook_settings, receiver, admin, reader = hooks
    _, url = receiver
    hook = subscribe(client, admin, url)
    published(client, reader)
    with database.session(writes=True) as session:
        dispatch(session)
        [slow] = claim_due(session, lease=timedelta(seconds=60))
    time_passes(database, 61)
    with database.session(writes=True) as session:
        [again] = claim_due(session, lease=timedelta(seconds=60))  # another worker takes it
        assert claim_due(session, lease=timedelta(seconds=60)) == []  # and only it
        record_results(session, [Outcome(again, True, 200)], webhook_settings)
        record_results(session, [Outcome(slow, False, 500, "HTTP 500")], webhook_settings)
    [done] = deliveries(client, admin, hook["id"])
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("delivered", 1, 200)
    [listed] = client.get("/v1/admin/webhooks", headers=admin.headers).json()
    assert listed["consecutive_failures"] == 0


@pytest.mark.parametrize("url", ["http://a..b/hooks", "http://[::1/hooks"])
def test_a_url_that_cannot_be_sent_to_fails_its_delivery_not_the_round(
    webhook_settings: Settings, url: str
) -> None:
    outgoing = Outgoing(1, 1, "token", 0, url, "secret", "uid", "comment.created", b"{}")

    async def attempt() -> Outcome:
        async with httpx2.AsyncClient(trust_env=False) as http:
            return await send(http, outgoing, webhook_settings)

    outcome = asyncio.run(attempt())
    assert outcome.delivered is False
    assert outcome.error


def test_back_off_doubles_up_to_an_hour_and_never_overflows() -> None:
    assert [backoff(n, 10).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
    assert backoff(50, 10) == timedelta(hours=1)


@pytest.mark.skipif(
    POSTGRES_URL is None,
    reason="needs PostgreSQL's row locks: SQLite lets one writer in at a time anyway",
)
def test_two_workers_dispatching_at_once_neither_wait_nor_share(hooks: Hooks) -> None:
    """While one worker's round holds its events, another's takes the rest at once."""
    client, database, _, receiver, admin, reader = hooks
    _, url = receiver
    subscribe(client, admin, url)
    for n in range(4):
        post(client, reader, f"{CIVIL} ({n})")
    other_worker = Database.connect(database.engine.url.render_as_string(hide_password=False))
    try:
        with database.session(writes=True) as first:
            assert dispatch(first, limit=2) == 2  # its events stay locked until it commits
            started = time.monotonic()
            with other_worker.session(writes=True) as second:
                assert dispatch(second) == 2  # the two others, not a wait for the first
            assert time.monotonic() - started < 1.0
    finally:
        other_worker.dispose()
    with database.session() as session:
        deliveries = session.exec(select(WebhookDelivery.event_id)).all()
    assert len(deliveries) == len(set(deliveries)) == 4
