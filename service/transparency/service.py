"""The transparency report's figures over a period, counted from the notices, the statements
of reasons and the appeals (each has an index on its creation time)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

import sqlalchemy
from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, func, select

from moderation.redress import (
    MEASURE_EXPIRED_REASON,
    WITHDRAWN_REASON,
    AppealStatus,
    NoticeAction,
)
from service.appeals.models import Appeal
from service.notices.models import Notice
from service.statements.models import StatementOfReasons


@dataclass(frozen=True)
class ActionCount:
    restriction: str
    ground_kind: str
    ground: str
    automated_detection: bool
    automated_decision: bool
    count: int


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    notices_by_kind: dict[str, dict[str, int]]
    """Notices received in the period, by kind and outcome (`pending` while undecided)."""
    median_hours_to_decision: float | None
    """Over the notices received in the period and decided since."""
    actions: list[ActionCount]
    actions_automated: int
    actions_by_people: int
    measures: dict[str, int] = field(default_factory=dict)
    appeals: dict[str, int] = field(default_factory=dict)


def _within(column: object, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(col(column) >= start, col(column) < end)


def report(session: Session, *, start: datetime, end: datetime) -> Report:
    notices_by_kind: dict[str, dict[str, int]] = {}
    for kind, action, count in session.exec(
        select(Notice.kind, Notice.action, func.count())
        .where(_within(Notice.created_at, start, end))
        .group_by(col(Notice.kind), col(Notice.action))
    ):
        notices_by_kind.setdefault(str(kind), {})[str(action or "pending")] = count
    waits = [
        (decided - created).total_seconds() / 3600
        for created, decided in session.exec(
            select(Notice.created_at, Notice.decided_at).where(
                _within(Notice.created_at, start, end), col(Notice.decided_at).is_not(None)
            )
        )
        if decided is not None
    ]
    actions = [
        ActionCount(str(restriction), str(kind), ground, detected, automated, count)
        for restriction, kind, ground, detected, automated, count in session.execute(
            sqlalchemy.select(
                col(StatementOfReasons.restriction),
                col(StatementOfReasons.ground_kind),
                col(StatementOfReasons.ground),
                col(StatementOfReasons.automated_detection),
                col(StatementOfReasons.automated_decision),
                func.count(),
            )
            .where(_within(StatementOfReasons.created_at, start, end))
            .group_by(
                col(StatementOfReasons.restriction),
                col(StatementOfReasons.ground_kind),
                col(StatementOfReasons.ground),
                col(StatementOfReasons.automated_detection),
                col(StatementOfReasons.automated_decision),
            )
            .order_by(col(StatementOfReasons.restriction), col(StatementOfReasons.ground))
        )
    ]
    automated = sum(a.count for a in actions if a.automated_decision)
    return Report(
        start=start,
        end=end,
        notices_by_kind=notices_by_kind,
        median_hours_to_decision=round(median(waits), 2) if waits else None,
        actions=actions,
        actions_automated=automated,
        actions_by_people=sum(a.count for a in actions) - automated,
        measures=_measures(session, start, end),
        appeals=_appeals(session, start, end),
    )


def _measures(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Each measure once: counted on the notice that started it (later notices join it)."""
    first = col(Notice.measure_started_at) == col(Notice.created_at)
    started = session.exec(
        select(func.count()).where(first, _within(Notice.measure_started_at, start, end))
    ).one()
    ended: Counter[str] = Counter()
    for action, ground in session.exec(
        select(Notice.action, Notice.ground).where(first, _within(Notice.decided_at, start, end))
    ):
        if ground == MEASURE_EXPIRED_REASON:
            ended["expired"] += 1
        elif ground == WITHDRAWN_REASON:
            ended["withdrawn_by_author"] += 1
        elif action == NoticeAction.REMOVE:
            ended["removed_by_moderators"] += 1
        else:
            ended["restored"] += 1
    overdue = session.exec(
        select(func.count()).where(first, _within(Notice.overdue_at, start, end))
    ).one()
    return {
        "started": started,
        "expired": ended["expired"],
        "restored": ended["restored"],
        "removed_by_moderators": ended["removed_by_moderators"],
        "withdrawn_by_author": ended["withdrawn_by_author"],
        "overdue": overdue,
    }


def _appeals(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    received = session.exec(
        select(func.count()).where(_within(Appeal.created_at, start, end))
    ).one()
    decided = Counter(
        str(status)
        for status in session.exec(
            select(Appeal.status).where(_within(Appeal.decided_at, start, end))
        )
    )
    return {
        "received": received,
        "upheld": decided[AppealStatus.UPHELD],
        "reversed": decided[AppealStatus.REVERSED],
    }
