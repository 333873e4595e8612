"""What the service keeps about people, and for how long (the README's retention table says the
same, for readers): one rule per kind of record, a condition on the record's own time, pruned by
the housekeeping sweep in batches of `BATCH` rows, each batch its own short unit of work. No
long transaction holds a lock, and workers or replicas pruning at once share the work: on
PostgreSQL each batch skips the rows another has locked; a row two of them pick is deleted
once, and the other's delete finds nothing."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    true,
    tuple_,
)
from sqlmodel import Session

from auth.models import AuthSession, Identity, LoginAttempt
from service.abuse.models import CommentBand, CommentFingerprint, DailyCount
from service.abuse.service import KEPT_BANDS, KEPT_DAILY_COUNTS, KEPT_FINGERPRINTS
from service.core.db import Database, table_of, utcnow
from service.core.ratelimit import Limits, RateLimitHit
from service.core.settings import Settings
from service.idempotency.models import IdempotencyRecord
from service.idempotency.service import RETENTION as IDEMPOTENCY_RETENTION
from service.notifications.models import Notification
from service.privacy.models import Erasure
from service.webhooks.models import WebhookDelivery, WebhookEvent

logger = logging.getLogger(__name__)

BATCH = 1000
"""Rows per unit of work: milliseconds of locks at most."""


@dataclass(frozen=True)
class Terms:
    """How long the kinds of record with a setting are kept (the others follow from what they
    serve: see `RULES`)."""

    sessions: timedelta
    notifications: timedelta
    webhooks: timedelta
    rate_limit_window: timedelta

    @classmethod
    def of(cls, settings: Settings, limits: Limits) -> "Terms":
        return cls(
            sessions=timedelta(days=settings.retention_sessions_days),
            notifications=timedelta(days=settings.retention_notifications_days),
            webhooks=timedelta(days=settings.retention_webhook_days),
            rate_limit_window=timedelta(seconds=limits.longest_window),
        )


Expired = Callable[[datetime, Terms], ColumnElement[bool]]


@dataclass(frozen=True)
class Rule:
    name: str
    table: Table
    expired: Expired
    """Which rows have had their time, at a moment and under the terms."""

    @property
    def key(self) -> ColumnElement[Any]:
        """The primary key, as one expression (a row value when it has several columns)."""
        columns = list(self.table.primary_key.columns)
        return columns[0] if len(columns) == 1 else tuple_(*columns)


_SESSIONS = table_of(AuthSession)
_LOGIN_ATTEMPTS = table_of(LoginAttempt)
_NOTIFICATIONS = table_of(Notification)
_ANSWERS = table_of(IdempotencyRecord)
_HITS = table_of(RateLimitHit)
_DELIVERIES = table_of(WebhookDelivery)
_EVENTS = table_of(WebhookEvent)
_BANDS = table_of(CommentBand)
_FINGERPRINTS = table_of(CommentFingerprint)
_DAILY_COUNTS = table_of(DailyCount)
_IDENTITIES = table_of(Identity)
_ERASURES = table_of(Erasure)


def _sessions_over(now: datetime, terms: Terms) -> ColumnElement[bool]:
    """Signed out or expired `terms.sessions` ago: a reader's list of sessions shows recent
    ones; a live session is never pruned, however old."""
    before = now - terms.sessions
    return or_(_SESSIONS.c.expires_at < before, _SESSIONS.c.revoked_at < before)


def _events_over(now: datetime, terms: Terms) -> ColumnElement[bool]:
    """Dispatched, that old, and with no delivery left (a pending one keeps its event)."""
    return and_(
        _EVENTS.c.created_at < now - terms.webhooks,
        _EVENTS.c.dispatched == true(),
        ~exists().where(_DELIVERIES.c.event_id == _EVENTS.c.id),
    )


def _bars_over(now: datetime, _: Terms) -> ColumnElement[bool]:
    """The provider accounts of a reader who left under a ban or suspension, once the bar
    ends (`Erasure.barred_until`, set from the ban setting when the reader left): only an
    erased account has an erasure, so a live account's sign-in is never touched."""
    ended = select(_ERASURES.c.user_id).where(_ERASURES.c.barred_until <= now)
    return _IDENTITIES.c.user_id.in_(ended)


RULES: tuple[Rule, ...] = (
    Rule("sessions", _SESSIONS, _sessions_over),
    Rule("login_attempts", _LOGIN_ATTEMPTS, lambda now, _: _LOGIN_ATTEMPTS.c.expires_at < now),
    Rule("barred_sign_ins", _IDENTITIES, _bars_over),
    Rule(
        "notifications",
        _NOTIFICATIONS,
        lambda now, terms: _NOTIFICATIONS.c.created_at < now - terms.notifications,
    ),
    Rule(
        "idempotency_answers",
        _ANSWERS,
        lambda now, _: _ANSWERS.c.created_at < now - IDEMPOTENCY_RETENTION,
    ),
    Rule("rate_limit_hits", _HITS, lambda now, terms: _HITS.c.at <= now - terms.rate_limit_window),
    Rule(
        "webhook_deliveries",
        _DELIVERIES,
        lambda now, terms: _DELIVERIES.c.finished_at < now - terms.webhooks,
    ),
    Rule("webhook_events", _EVENTS, _events_over),  # after their deliveries
    Rule("spam_band_keys", _BANDS, lambda now, _: _BANDS.c.created_at < now - KEPT_BANDS),
    Rule(
        "spam_fingerprints",
        _FINGERPRINTS,
        lambda now, _: _FINGERPRINTS.c.created_at < now - KEPT_FINGERPRINTS,
    ),
    Rule(
        "spam_daily_counts",
        _DAILY_COUNTS,
        lambda now, _: _DAILY_COUNTS.c.day < (now - KEPT_DAILY_COUNTS).date().isoformat(),
    ),
)


def due(session: Session, rule: Rule, *, now: datetime, terms: Terms) -> int:
    """How many rows the rule would prune now."""
    counted = session.execute(
        select(func.count()).select_from(rule.table).where(rule.expired(now, terms))
    ).scalar_one()
    return int(counted)


def prune_batch(
    session: Session, rule: Rule, *, now: datetime, terms: Terms, limit: int = BATCH
) -> int:
    """Deletes at most `limit` of the rule's rows; returns how many."""
    chosen = (
        select(*rule.table.primary_key.columns)
        .where(rule.expired(now, terms))
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: another worker's batch is left to it
    )
    result = session.execute(delete(rule.table).where(rule.key.in_(chosen)))
    return int(getattr(result, "rowcount", 0) or 0)


async def prune(
    database: Database, terms: Terms, *, now: datetime | None = None, batch: int = BATCH
) -> dict[str, int]:
    """Every rule's rows that have had their time, a batch per unit of work; how many went,
    by rule (rules that pruned nothing left out)."""
    moment = now or utcnow()
    pruned: dict[str, int] = {}
    for rule in RULES:
        while True:
            gone = await database.run(
                partial(prune_batch, rule=rule, now=moment, terms=terms, limit=batch), writes=True
            )
            if gone:
                pruned[rule.name] = pruned.get(rule.name, 0) + gone
            if gone < batch:
                break
    if pruned:
        logger.info(
            "retention: pruned %s",
            ", ".join(f"{count} {name}" for name, count in pruned.items()),
        )
    return pruned
