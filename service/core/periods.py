"""A reporting period from `from`/`to` query strings, as the admin reports (transparency, model
quality) read them."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query

from service.core.db import utcnow
from service.core.errors import Unprocessable


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

From = Annotated[str | None, Query(alias="from", pattern=MOMENT, description=WHEN)]
To = Annotated[str | None, Query(alias="to", pattern=MOMENT, description=WHEN)]


def _utc(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidPeriod(f"`{name}` is not a day of the calendar.") from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period(start_text: str | None, end_text: str | None, *, days: int) -> tuple[datetime, datetime]:
    """`from` (by default `days` before `to`) up to `to` (by default now), in UTC."""
    try:
        end = _utc(end_text, "to") if end_text is not None else utcnow()
        start = _utc(start_text, "from") if start_text is not None else end - timedelta(days=days)
    except OverflowError as error:
        raise InvalidPeriod(
            "The period lies outside the calendar this service counts in."
        ) from error
    if start >= end:
        raise InvalidPeriod("`from` must be before `to`.")
    return start, end
