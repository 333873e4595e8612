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


MOMENT = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?)?$"
)
"""A day (`2026-01-01`, from its start) or a time (`2026-01-01T09:30:00+09:00`; without a zone,
UTC), as ISO 8601 writes them: not a number of seconds, which pydantic would read as one."""

WHEN = (
    "A day (`2026-01-01`) or a time (`2026-01-01T09:30:00+09:00`; UTC without a zone). A day "
    "the calendar lacks (`2026-02-30`) is `invalid_period`."
)


def _utc(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidPeriod(f"`{name}` is not a day of the calendar.") from error
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
    start_text: Annotated[str | None, Query(alias="from", pattern=MOMENT, description=WHEN)] = None,
    end_text: Annotated[str | None, Query(alias="to", pattern=MOMENT, description=WHEN)] = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> TransparencyReport | Response:
    """Notices by kind and outcome, the median time from notice to decision, restrictions by
    ground and by automated or human means, temporary measures and appeals, for `from` (by
    default 365 days before `to`) up to `to` (by default now); times without a zone are UTC.
    `Accept: text/csv` answers CSV."""
    try:
        end = _utc(end_text, "to") if end_text is not None else utcnow()
        start = _utc(start_text, "from") if start_text is not None else end - timedelta(days=365)
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
