"""Webhook endpoints, the outbox, and the rounds that deliver it.

An event is one row inserted in the transaction of the change it reports (`enqueue`, called by
the audit log's writer), so an event exists exactly when its change was committed. A round of
the background worker then fans new events out into one delivery per subscribed endpoint
(`dispatch`), claims the deliveries that are due (`claim_due`), sends them outside any
transaction, signed (`send`), and writes down what happened (`record_results`): delivered, or
tried again later with exponential back-off, or failed after the last try. An endpoint that
keeps failing is paused, its deliveries kept until an admin resumes it.
"""

import asyncio
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import anyio.to_thread
import httpx2
from sqlalchemy import ColumnElement, and_, delete, exists, false, or_, update
from sqlmodel import Session, col, select

from service.core.db import insert_row, utcnow
from service.core.errors import NotFound, Unprocessable
from service.core.pagination import Keyset, Page, SortKey
from service.core.settings import Settings
from service.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

WebhookEventType = Literal[
    "comment.created",
    "comment.status_changed",
    "comment.reported",
    "user.sanctioned",
    "notice.created",
    "notice.objected",
    "notice.decided",
    "appeal.created",
    "appeal.decided",
]
EVENT_TYPES: tuple[WebhookEventType, ...] = get_args(WebhookEventType)

SIGNATURE_HEADER = "Commentmod-Signature"
EVENT_ID_HEADER = "Commentmod-Event-Id"
EVENT_TYPE_HEADER = "Commentmod-Event"
DELIVERY_HEADER = "Commentmod-Delivery"
MAX_BACKOFF = timedelta(hours=1)
DISPATCH_BATCH = 500
DELIVERY_BATCH = 20
RESOLVERS = anyio.CapacityLimiter(4)
"""Threads for name lookups, apart from the pool that runs the API's routes."""


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class WebhookUrlRefused(Unprocessable):
    """Not an http(s) URL of a public host: private and loopback addresses are refused unless
    `COMMENTMOD_WEBHOOK_ALLOWED_HOSTS` names the host (no server-side request forgery)."""

    code = "webhook_url_refused"


# The outbox --------------------------------------------------------------------------------


def enqueue(session: Session, *, type: WebhookEventType, data: dict[str, Any]) -> None:
    """Writes the event in the caller's transaction: it is sent if, and only if, the change
    it reports is committed."""
    uid = str(uuid.uuid4())
    created_at = utcnow()
    payload = {"id": uid, "type": type, "created_at": created_at.isoformat(), "data": data}
    insert_row(session, WebhookEvent(uid=uid, type=type, payload=payload, created_at=created_at))


# Endpoints ---------------------------------------------------------------------------------


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, in any form a resolver accepts (`2130706433`,
    `0177.0.0.1` and `0x7f.1` are all 127.0.0.1), or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global


def refused_host(host: str, allowed_hosts: Sequence[str]) -> bool:
    """A host that is plainly private (an address, `localhost`, an internal name); other names
    are resolved again at every delivery, where `resolves_privately` decides."""
    host = host.lower().strip("[]")
    if host in allowed_hosts:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    address = _address(host)
    return address is not None and _private(address)


def check_url(url: str, allowed_hosts: Sequence[str]) -> str:
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port out of range raises here
    except ValueError as exc:
        raise WebhookUrlRefused(f"{url!r} is not a URL.") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname or "@" in parts.netloc:
        raise WebhookUrlRefused("A webhook URL is http(s)://host/path, without a user name.")
    if refused_host(parts.hostname, allowed_hosts):
        raise WebhookUrlRefused(
            f"{parts.hostname} is a private or loopback address; allow it with "
            "COMMENTMOD_WEBHOOK_ALLOWED_HOSTS if it is yours."
        )
    return url


async def resolves_privately(url: str, allowed_hosts: Sequence[str]) -> bool:
    """Whether the URL's host resolves to any private, loopback or otherwise non-public
    address now (a public name may be re-pointed at an internal one after it was accepted)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in allowed_hosts:
        return False
    if refused_host(host, allowed_hosts):
        return True
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = await anyio.to_thread.run_sync(socket.getaddrinfo, host, port, limiter=RESOLVERS)
    addresses = {str(info[4][0]).split("%")[0] for info in infos}  # less any IPv6 scope
    return any(_private(ipaddress.ip_address(address)) for address in addresses)


def create_endpoint(
    session: Session,
    *,
    url: str,
    events: Sequence[WebhookEventType],
    secret: str | None,
    actor_id: int | None,
    allowed_hosts: Sequence[str],
) -> tuple[WebhookEndpoint, str]:
    """The endpoint, and its signing secret (made up when none is given), shown this once."""
    secret = secret or "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        url=check_url(url, allowed_hosts),
        events=list(dict.fromkeys(events)),
        secret=secret,
        created_by=actor_id,
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookNotFound(f"Webhook {endpoint_id} does not exist.")
    return endpoint


def list_endpoints(session: Session) -> Sequence[WebhookEndpoint]:
    return session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))).all()


def delete_endpoint(session: Session, endpoint_id: int) -> None:
    """The endpoint and its delivery log; its pending deliveries are not sent."""
    get_endpoint(session, endpoint_id)
    session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id))
    session.execute(delete(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id))


def resume_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    """Un-pauses an endpoint: its waiting deliveries go out on the next round."""
    endpoint = get_endpoint(session, endpoint_id)
    endpoint.paused_at = None
    endpoint.paused_reason = None
    endpoint.consecutive_failures = 0
    session.add(endpoint)
    session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.endpoint_id) == endpoint_id,
            col(WebhookDelivery.status) == DeliveryStatus.PENDING,
        )
        .values(next_attempt_at=utcnow())
    )
    return endpoint


DELIVERIES_NEWEST_FIRST = Keyset[tuple[WebhookDelivery, WebhookEvent]](
    (SortKey(col(WebhookDelivery.id), int, descending=True),),
    lambda row: [row[0].id or 0],
)


def deliveries_page(
    session: Session, *, endpoint_id: int, limit: int, cursor: str | None
) -> Page[tuple[WebhookDelivery, WebhookEvent]]:
    get_endpoint(session, endpoint_id)
    query = (
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, col(WebhookEvent.id) == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
    )
    query = DELIVERIES_NEWEST_FIRST.apply(query, limit=limit, cursor=cursor)
    rows = [(delivery, event) for delivery, event in session.exec(query).all()]
    return DELIVERIES_NEWEST_FIRST.page(rows, limit)


# Delivery rounds ---------------------------------------------------------------------------


def has_work(session: Session) -> bool:
    """Whether a round would do anything: read-only, so an idle worker never takes SQLite's
    write lock."""
    now = utcnow()
    undispatched = select(WebhookEvent.id).where(col(WebhookEvent.dispatched) == false())
    due = select(WebhookDelivery.id).where(
        col(WebhookDelivery.status) == DeliveryStatus.PENDING,
        col(WebhookDelivery.next_attempt_at) <= now,
    )
    return bool(session.exec(select(exists(undispatched) | exists(due))).one())


def dispatch(session: Session, *, limit: int = DISPATCH_BATCH) -> int:
    """Fans new events out into deliveries, each event once even with several workers: each
    takes the new events no other has locked (`SKIP LOCKED`; on SQLite the one writer at a
    time), so workers never wait for each other's rounds."""
    events = session.exec(
        select(WebhookEvent)
        .where(col(WebhookEvent.dispatched) == false())
        .order_by(col(WebhookEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not events:
        return 0
    session.execute(
        update(WebhookEvent)
        .where(col(WebhookEvent.id).in_([event.id for event in events]))
        .values(dispatched=True)
        .execution_options(synchronize_session=False)
    )
    endpoints = list_endpoints(session)
    now = utcnow()
    for event in events:
        for endpoint in endpoints:
            if event.type in endpoint.events:
                assert endpoint.id is not None
                assert event.id is not None
                session.add(
                    WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, next_attempt_at=now)
                )
    return len(events)


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, with everything needed to send it outside a transaction."""

    delivery_id: int
    endpoint_id: int
    claim_token: str
    attempts: int
    """Tries before this one."""
    url: str
    secret: str
    event_uid: str
    event_type: str
    body: bytes


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending, its wait over, and nobody holding it: checked again in the claiming update,
    so a worker that read the row before another claimed, sent and recorded it gets nothing."""
    return and_(
        col(WebhookDelivery.status) == DeliveryStatus.PENDING,
        col(WebhookDelivery.next_attempt_at) <= now,
        or_(col(WebhookDelivery.claimed_until).is_(None), col(WebhookDelivery.claimed_until) < now),
    )


def claim_due(session: Session, *, lease: timedelta, limit: int = DELIVERY_BATCH) -> list[Outgoing]:
    """The deliveries due now, claimed for `lease` (longer than a send may take)."""
    now = utcnow()
    rows = session.exec(
        select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, col(WebhookEvent.id) == WebhookDelivery.event_id)
        .where(_due(now), col(WebhookEndpoint.paused_at).is_(None))
        .order_by(col(WebhookDelivery.id))
        .limit(limit)
    ).all()
    claimed = []
    for delivery, endpoint, event in rows:
        token = secrets.token_hex(16)
        taken = session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == delivery.id, _due(now))
            .values(claimed_until=now + lease, claim_token=token)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            assert delivery.id is not None
            claimed.append(
                Outgoing(
                    delivery_id=delivery.id,
                    endpoint_id=delivery.endpoint_id,
                    claim_token=token,
                    attempts=delivery.attempts,
                    url=endpoint.url,
                    secret=endpoint.secret,
                    event_uid=event.uid,
                    event_type=event.type,
                    body=json.dumps(event.payload, ensure_ascii=False).encode(),
                )
            )
    return claimed


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: a receiver recomputes it with
    the shared secret, and refuses old timestamps to stop replays."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass(frozen=True)
class Outcome:
    outgoing: Outgoing
    delivered: bool
    status_code: int | None = None
    error: str | None = None


async def send(client: httpx2.AsyncClient, outgoing: Outgoing, settings: Settings) -> Outcome:
    """One POST, never following redirects, the whole of it (name lookup included) bounded by
    the time-out; any 2xx is delivered, the receiver's body is not read. Whatever goes wrong
    is this delivery's failure, never the round's."""
    try:
        async with asyncio.timeout(settings.webhook_timeout):
            if await resolves_privately(outgoing.url, settings.webhook_allowed_hosts):
                return Outcome(outgoing, False, error="refused: a private address")
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "commentmod-webhooks",
                EVENT_TYPE_HEADER: outgoing.event_type,
                EVENT_ID_HEADER: outgoing.event_uid,
                DELIVERY_HEADER: str(outgoing.delivery_id),
                SIGNATURE_HEADER: signature(outgoing.secret, int(time.time()), outgoing.body),
            }
            request = client.stream("POST", outgoing.url, content=outgoing.body, headers=headers)
            async with request as response:
                status_code = response.status_code
    except TimeoutError:
        return Outcome(outgoing, False, error=f"no answer within {settings.webhook_timeout:g} s")
    except Exception as exc:  # noqa: BLE001 - a bad URL, a refused connection, a TLS error...
        return Outcome(outgoing, False, error=f"{type(exc).__name__}: {exc}"[:300])
    if 200 <= status_code < 300:
        return Outcome(outgoing, True, status_code)
    return Outcome(outgoing, False, status_code, f"HTTP {status_code}")


def backoff(attempts: int, base: float) -> timedelta:
    """The wait before the next try: `base` seconds, doubling per failed try, at most an hour."""
    seconds = base * 2 ** min(attempts - 1, 30)
    return min(timedelta(seconds=min(seconds, MAX_BACKOFF.total_seconds())), MAX_BACKOFF)


def record_results(session: Session, outcomes: Sequence[Outcome], settings: Settings) -> None:
    """Writes each outcome, if its worker still holds the claim (a late answer after the claim
    ran out, and was taken by another worker, changes nothing), and counts the endpoint's
    failures in SQL, so workers recording at once add up."""
    now = utcnow()
    for outcome in outcomes:
        sent = outcome.outgoing
        tries = sent.attempts + 1
        changes: dict[str, Any] = {
            "attempts": tries,
            "claimed_until": None,
            "claim_token": None,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        if outcome.delivered:
            changes |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now, "finished_at": now}
        elif tries >= settings.webhook_max_attempts:
            changes |= {"status": DeliveryStatus.FAILED, "finished_at": now}
        else:
            changes["next_attempt_at"] = now + backoff(tries, settings.webhook_retry_base)
        written = session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == sent.delivery_id,
                col(WebhookDelivery.claim_token) == sent.claim_token,
                col(WebhookDelivery.status) == DeliveryStatus.PENDING,
            )
            .values(**changes)
        )
        if written.rowcount != 1:  # type: ignore[attr-defined]
            continue
        endpoint = col(WebhookEndpoint.id) == sent.endpoint_id
        failures = col(WebhookEndpoint.consecutive_failures)
        if outcome.delivered:
            session.execute(update(WebhookEndpoint).where(endpoint).values(consecutive_failures=0))
            continue
        session.execute(
            update(WebhookEndpoint).where(endpoint).values(consecutive_failures=failures + 1)
        )
        count = session.exec(select(failures).where(endpoint)).first()
        if count is not None and count >= settings.webhook_pause_after:
            reason = f"{count} deliveries failed in a row; the last: {outcome.error}"
            session.execute(
                update(WebhookEndpoint)
                .where(endpoint, col(WebhookEndpoint.paused_at).is_(None))
                .values(paused_at=now, paused_reason=reason[:300])
            )
