"""The transparency report (admins, under /v1/admin)."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from auth.deps import Admin
from service.core.db import utcnow
from service.core.deps import SessionDep
from service.core.errors import Unprocessable, error_responses
from service.transparency import service
from service.transparency.schemas import TransparencyReport, as_csv

admin_router = APIRouter()

CSV = "text/csv"


class InvalidPeriod(Unprocessable):
    code = "invalid_period"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@admin_router.get(
    "/transparency",
    response_model=TransparencyReport,
    responses={
        **error_responses(InvalidPeriod, Unprocessable),
        200: {"content": {CSV: {"schema": {"type": "string"}}}},
    },
)
def transparency_report(
    admin: Admin,
    session: SessionDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> TransparencyReport | Response:
    """Notices by kind and outcome, the median time from notice to decision, restrictions by
    ground and by automated or human means, temporary measures and appeals, for `from` (by
    default 365 days before `to`) up to `to` (by default now); times without a zone are UTC.
    `Accept: text/csv` answers CSV."""
    try:
        end = _utc(end) if end is not None else utcnow()
        start = _utc(start) if start is not None else end - timedelta(days=365)
    except OverflowError as error:
        raise InvalidPeriod(
            "The period lies outside the calendar this service counts in."
        ) from error
    if start >= end:
        raise InvalidPeriod("`from` must be before `to`.")
    report = TransparencyReport.of(service.report(session, start=start, end=end))
    if accept is not None and CSV in accept:
        name = f"transparency-{start.date().isoformat()}-{end.date().isoformat()}.csv"
        return Response(
            as_csv(report),
            media_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return report
