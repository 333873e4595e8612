"""Webhook endpoints, the outbox, and the rounds that deliver it.

An event is one row inserted in the transaction of the change it reports (`enqueue`, called by
the audit log's writer), so an event exists exactly when its change was committed. A round of
the background worker then fans new events out into one delivery per subscribed endpoint
(`dispatch`), claims the deliveries that are due (`claim_due`), sends them outside any
transaction, signed (`send`), and writes down what happened (`record_results`): delivered, or
tried again later with exponential back-off, or failed after the last try. An endpoint that
keeps failing is paused, its deliveries kept until an admin resumes it.
"""

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
from datetime import timedelta
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import anyio.to_thread
import httpx2
from sqlalchemy import delete, or_, update
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
    "comment.created", "comment.status_changed", "comment.reported", "user.sanctioned"
]
EVENT_TYPES: tuple[WebhookEventType, ...] = get_args(WebhookEventType)

SIGNATURE_HEADER = "Commentmod-Signature"
EVENT_ID_HEADER = "Commentmod-Event-Id"
EVENT_TYPE_HEADER = "Commentmod-Event"
DELIVERY_HEADER = "Commentmod-Delivery"
MAX_BACKOFF = timedelta(hours=1)
DISPATCH_BATCH = 500
DELIVERY_BATCH = 20


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


def refused_host(host: str, allowed_hosts: Sequence[str]) -> bool:
    """A host name that is plainly private (an address literal, `localhost`); names are
    resolved again at every delivery, where `resolves_privately` decides."""
    host = host.lower().strip("[]")
    if host in allowed_hosts:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False  # a name: checked when it is resolved


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
    infos = await anyio.to_thread.run_sync(socket.getaddrinfo, host, port)
    addresses = {str(info[4][0]).split("%")[0] for info in infos}  # less any IPv6 scope
    return any(not ipaddress.ip_address(address).is_global for address in addresses)


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


def dispatch(session: Session, *, limit: int = DISPATCH_BATCH) -> int:
    """Fans new events out into deliveries, each event once even with several workers (the
    conditional update lets one of them take it)."""
    events = session.exec(
        select(WebhookEvent)
        .where(col(WebhookEvent.dispatched).is_(False))
        .order_by(col(WebhookEvent.id))
        .limit(limit)
    ).all()
    if not events:
        return 0
    endpoints = list_endpoints(session)
    now = utcnow()
    for event in events:
        taken = session.execute(
            update(WebhookEvent)
            .where(col(WebhookEvent.id) == event.id, col(WebhookEvent.dispatched).is_(False))
            .values(dispatched=True)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue
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
    url: str
    secret: str
    event_uid: str
    event_type: str
    body: bytes


def claim_due(session: Session, *, lease: timedelta, limit: int = DELIVERY_BATCH) -> list[Outgoing]:
    """The deliveries due now, claimed for `lease` (longer than a send can take)."""
    now = utcnow()
    unclaimed = or_(
        col(WebhookDelivery.claimed_until).is_(None), col(WebhookDelivery.claimed_until) < now
    )
    rows = session.exec(
        select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, col(WebhookEvent.id) == WebhookDelivery.event_id)
        .where(
            col(WebhookDelivery.status) == DeliveryStatus.PENDING,
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookEndpoint.paused_at).is_(None),
            unclaimed,
        )
        .order_by(col(WebhookDelivery.id))
        .limit(limit)
    ).all()
    claimed = []
    for delivery, endpoint, event in rows:
        taken = session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == delivery.id, unclaimed)
            .values(claimed_until=now + lease)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            assert delivery.id is not None
            claimed.append(
                Outgoing(
                    delivery_id=delivery.id,
                    url=endpoint.url,
                    secret=endpoint.secret,
                    event_uid=event.uid,
                    event_type=event.type,
                    body=json.dumps(event.payload, ensure_ascii=False).encode(),
                )
            )
    return claimed


KEPT_FOR = timedelta(days=30)


def forget_old(session: Session, *, kept_for: timedelta = KEPT_FOR) -> int:
    """Deletes finished deliveries and dispatched events older than `kept_for`; pending
    deliveries (and their events) stay, however old. How many events went."""
    before = utcnow() - kept_for
    session.execute(
        delete(WebhookDelivery).where(
            col(WebhookDelivery.created_at) < before,
            col(WebhookDelivery.status) != DeliveryStatus.PENDING,
        )
    )
    still_wanted = select(WebhookDelivery.event_id)
    gone = session.execute(
        delete(WebhookEvent).where(
            col(WebhookEvent.created_at) < before,
            col(WebhookEvent.dispatched).is_(True),
            col(WebhookEvent.id).not_in(still_wanted),
        )
    )
    return int(gone.rowcount)  # type: ignore[attr-defined]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: a receiver recomputes it with
    the shared secret, and refuses old timestamps to stop replays."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    delivered: bool
    status_code: int | None = None
    error: str | None = None


async def send(client: httpx2.AsyncClient, outgoing: Outgoing, settings: Settings) -> Outcome:
    """One POST, never following redirects; any 2xx is delivered."""
    try:
        if await resolves_privately(outgoing.url, settings.webhook_allowed_hosts):
            return Outcome(outgoing.delivery_id, False, error="refused: a private address")
        response = await client.post(
            outgoing.url,
            content=outgoing.body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "commentmod-webhooks",
                EVENT_TYPE_HEADER: outgoing.event_type,
                EVENT_ID_HEADER: outgoing.event_uid,
                DELIVERY_HEADER: str(outgoing.delivery_id),
                SIGNATURE_HEADER: signature(outgoing.secret, int(time.time()), outgoing.body),
            },
        )
    except (httpx2.HTTPError, OSError) as exc:
        return Outcome(outgoing.delivery_id, False, error=f"{type(exc).__name__}: {exc}"[:300])
    delivered = 200 <= response.status_code < 300
    error = None if delivered else f"HTTP {response.status_code}"
    return Outcome(outgoing.delivery_id, delivered, response.status_code, error)


def backoff(attempts: int, base: float) -> timedelta:
    """The wait before the next try: `base` seconds, doubling per failed try, at most an hour."""
    return min(timedelta(seconds=base * 2 ** (attempts - 1)), MAX_BACKOFF)


def record_results(session: Session, outcomes: Sequence[Outcome], settings: Settings) -> None:
    now = utcnow()
    for outcome in outcomes:
        delivery = session.get(WebhookDelivery, outcome.delivery_id)
        if delivery is None:
            continue  # its endpoint was deleted meanwhile
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        assert endpoint is not None
        delivery.attempts += 1
        delivery.claimed_until = None
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            endpoint.consecutive_failures = 0
        else:
            if delivery.attempts >= settings.webhook_max_attempts:
                delivery.status = DeliveryStatus.FAILED
            else:
                delivery.next_attempt_at = now + backoff(
                    delivery.attempts, settings.webhook_retry_base
                )
            endpoint.consecutive_failures += 1
            if endpoint.paused_at is None and (
                endpoint.consecutive_failures >= settings.webhook_pause_after
            ):
                endpoint.paused_at = now
                endpoint.paused_reason = (
                    f"{endpoint.consecutive_failures} deliveries failed in a row; "
                    f"the last: {outcome.error}"
                )[:300]
        session.add(delivery)
        session.add(endpoint)
