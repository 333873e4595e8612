"""What is kept about people goes when its time is up, in batches, on a clock the tests set;
`commentmod retention run --dry-run` shows what would go and deletes nothing. (The rules for
idempotency answers, rate-limit hits, webhooks and the spam checks' keys are also tested beside
their features.)"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from auth.models import AuthSession, LoginAttempt
from service.cli import main
from service.core.db import Database, utcnow
from service.core.ratelimit import Limits
from service.core.settings import Settings
from service.notifications.models import Notification, NotificationKind
from service.retention.service import RULES, Terms, prune
from tests.support.factories import sign_in
from tests.support.retention import TERMS

NOW = utcnow()


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def count(database: Database, model: type[AuthSession | LoginAttempt | Notification]) -> int:
    with Session(database.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def seed_sessions(database: Database, user_id: int) -> None:
    """Expired 31 and 29 days ago, signed out 31 days ago, and a live one made long ago."""
    with database.session(writes=True) as session:
        for name, expires, revoked in (
            ("expired-long-ago", days_ago(31), None),
            ("expired-lately", days_ago(29), None),
            ("signed-out-long-ago", days_ago(-5), days_ago(31)),
            ("live", days_ago(-5), None),
        ):
            session.add(
                AuthSession(
                    user_id=user_id,
                    token_hash=name.ljust(64, "0"),
                    created_at=days_ago(400),
                    expires_at=expires,
                    revoked_at=revoked,
                )
            )


def seed_notifications(database: Database, user_id: int, *ages: float) -> None:
    with database.session(writes=True) as session:
        for age in ages:
            session.add(
                Notification(
                    user_id=user_id,
                    kind=NotificationKind.REPLY,
                    message="Someone replied to your comment.",
                    created_at=days_ago(age),
                    read_at=days_ago(age) if age > 100 else None,
                )
            )


def test_each_kind_of_record_goes_when_its_time_is_up(database: Database) -> None:
    reader = sign_in(database.engine, "Reader")  # a live session of a day
    seed_sessions(database, reader.id)
    seed_notifications(database, reader.id, 400, 366, 364, 1)
    with database.session(writes=True) as session:
        for name, expires in (("gone", days_ago(0.01)), ("waiting", days_ago(-0.01))):
            session.add(
                LoginAttempt(
                    state_hash=name.ljust(64, "0"),
                    browser_hash="b" * 64,
                    provider="twitter",
                    next_url="https://news.example.com/",
                    expires_at=expires,
                )
            )

    pruned = asyncio.run(prune(database, TERMS, now=NOW))

    assert pruned == {"sessions": 2, "notifications": 2, "login_attempts": 1}
    with Session(database.engine) as session:
        kept = {s.token_hash.rstrip("0") for s in session.exec(select(AuthSession))}
        ages = sorted(round((NOW - n.created_at).days) for n in session.exec(select(Notification)))
        attempts = [a.state_hash.rstrip("0") for a in session.exec(select(LoginAttempt))]
    assert len(kept) == 3
    assert {"expired-lately", "live"} <= kept  # and the reader's own, signed in today
    assert ages == [1, 364]
    assert attempts == ["waiting"]


def test_nothing_goes_before_its_time(database: Database) -> None:
    reader = sign_in(database.engine, "Reader")
    seed_sessions(database, reader.id)
    seed_notifications(database, reader.id, 400)

    assert asyncio.run(prune(database, TERMS, now=days_ago(40))) == {}
    assert count(database, AuthSession) == 5
    assert count(database, Notification) == 1


def test_pruning_goes_a_batch_per_unit_of_work(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = sign_in(database.engine, "Reader")
    seed_notifications(database, reader.id, *([400] * 7), 1)
    units = 0
    run = database.run

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal units
        units += 1
        return await run(*args, **kwargs)

    monkeypatch.setattr(database, "run", counted)

    assert asyncio.run(prune(database, TERMS, now=NOW, batch=3)) == {"notifications": 7}
    assert count(database, Notification) == 1
    assert units == len(RULES) + 2  # notifications: 3, 3, then 1 (< batch: done)


def test_the_terms_come_from_the_settings() -> None:
    settings = Settings(
        retention_sessions_days=7,
        retention_notifications_days=90,
        retention_webhook_days=14,
        login_rate_limits="10/minute;100/day",
    )
    terms = Terms.of(settings, Limits.from_settings(settings))

    assert terms.sessions == timedelta(days=7)
    assert terms.notifications == timedelta(days=90)
    assert terms.webhooks == timedelta(days=14)
    assert terms.rate_limit_window >= timedelta(days=1)


def test_a_dry_run_says_what_would_go_and_deletes_nothing(
    cli_database: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    reader = sign_in(database.engine, "Reader")
    seed_notifications(database, reader.id, 400, 400, 1)

    main(["retention", "run", "--dry-run"])
    said = capsys.readouterr().out.splitlines()

    assert "notifications: would prune 2" in said
    assert "sessions: would prune 0" in said
    assert len(said) == len(RULES)
    assert count(database, Notification) == 3

    main(["retention", "run"])

    assert "notifications: pruned 2" in capsys.readouterr().out.splitlines()
    assert count(database, Notification) == 1
