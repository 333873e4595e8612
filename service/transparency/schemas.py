"""The transparency report as JSON, and the same figures as CSV rows."""

import csv
import io
from dataclasses import asdict
from datetime import datetime

from service.core.schemas import Schema
from service.transparency.service import Report


class ActionRow(Schema):
    restriction: str
    ground_kind: str
    ground: str
    automated_detection: bool
    automated_decision: bool
    count: int


class TransparencyReport(Schema):
    start: datetime
    end: datetime
    notices_by_kind: dict[str, dict[str, int]]
    """Notices received in the period: kind → outcome (`remove`, `restore`, `no_action`,
    `pending`) → count."""
    median_hours_to_decision: float | None
    actions: list[ActionRow]
    """Restrictions (statements of reasons) by ground and by automated or human means."""
    actions_automated: int
    actions_by_people: int
    measures: dict[str, int]
    """Temporary measures: started, expired, restored, removed_by_moderators,
    withdrawn_by_author, overdue."""
    appeals: dict[str, int]
    """Received, upheld and reversed in the period."""

    @classmethod
    def of(cls, report: Report) -> "TransparencyReport":
        return cls.model_validate(asdict(report))


def as_csv(report: TransparencyReport) -> str:
    """One figure per row: `section,name,value` (a spreadsheet's pivot table does the rest)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "name", "value"])
    writer.writerow(["period", "start", report.start.isoformat()])
    writer.writerow(["period", "end", report.end.isoformat()])
    for kind, outcomes in sorted(report.notices_by_kind.items()):
        for outcome, count in sorted(outcomes.items()):
            writer.writerow(["notices", f"{kind}/{outcome}", count])
    median = report.median_hours_to_decision
    writer.writerow(["notices", "median_hours_to_decision", "" if median is None else median])
    for action in report.actions:
        means = "automated" if action.automated_decision else "human"
        name = f"{action.restriction}/{action.ground_kind}:{action.ground}/{means}"
        writer.writerow(["actions", _safe(name), action.count])
    writer.writerow(["actions", "automated", report.actions_automated])
    writer.writerow(["actions", "by_people", report.actions_by_people])
    for section, figures in (("measures", report.measures), ("appeals", report.appeals)):
        for name, count in figures.items():
            writer.writerow([section, name, count])
    return out.getvalue()


def _safe(cell: str) -> str:
    """A ground may be a moderator's words: never a formula in a spreadsheet."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
