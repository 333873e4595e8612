"""The transparency report (admins, under /v1/admin)."""

from typing import Annotated

from fastapi import APIRouter, Header, Response

from auth.deps import Admin
from service.core.deps import SessionDep
from service.core.errors import Unprocessable, error_responses
from service.core.periods import From, InvalidPeriod, To, period
from service.transparency import service
from service.transparency.schemas import TransparencyReport, as_csv

admin_router = APIRouter()

CSV = "text/csv"


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
    start_text: From = None,
    end_text: To = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> TransparencyReport | Response:
    """Notices by kind and outcome, the median time from notice to decision, restrictions by
    ground and by automated or human means, temporary measures and appeals, for `from` (by
    default 365 days before `to`) up to `to` (by default now); times without a zone are UTC.
    `Accept: text/csv` answers CSV."""
    start, end = period(start_text, end_text, days=365)
    report = TransparencyReport.of(service.report(session, start=start, end=end))
    if accept is not None and CSV in accept:
        name = f"transparency-{start.date().isoformat()}-{end.date().isoformat()}.csv"
        return Response(
            as_csv(report),
            media_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return report
