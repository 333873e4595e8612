"""A reader's own data (under /v1/me)."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from auth.deps import CurrentUser
from service.core.deps import DatabaseDep, LimitsDep, SessionDep
from service.core.errors import NotAuthenticated, Unprocessable, error_responses
from service.core.ratelimit import RateLimited
from service.privacy.export import ZIP_ABOVE, comment_count, document, zipped
from service.privacy.schemas import DataExport

router = APIRouter(prefix="/v1/me", tags=["privacy"])

ZIP = "application/zip"


class ExportFormat(StrEnum):
    JSON = "json"
    ZIP = "zip"


@router.get(
    "/export",
    response_model=DataExport,
    responses={
        **error_responses(NotAuthenticated, RateLimited, Unprocessable),
        200: {"content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
    },
)
def export_my_data(
    user: CurrentUser,
    session: SessionDep,
    database: DatabaseDep,
    limits: LimitsDep,
    chosen: Annotated[ExportFormat | None, Query(alias="format")] = None,
) -> StreamingResponse:
    """Everything kept about you, as one JSON document to save (`Content-Disposition:
    attachment`), streamed: your profile, linked sign-in accounts (never their tokens),
    sessions, every comment with its earlier versions, scores and status, your reports, the
    notices you sent signed in, the statements of reasons you were sent, your appeals and
    notifications. Over 10,000 comments it comes as a ZIP holding the same document, unless
    you ask for `format=json`; `format=zip` asks for the ZIP. Five an hour (429
    `rate_limited`)."""
    assert user.id is not None
    as_zip = chosen == ExportFormat.ZIP or (
        chosen is None and comment_count(session, user.id) > ZIP_ABOVE
    )
    limits.exports_by(user.id).take_alone(database)
    now = datetime.now(UTC)
    name = f"commentmod-export-{user.id}-{now.date().isoformat()}"
    pieces = document(database, user, now=now)
    if as_zip:
        return StreamingResponse(
            zipped(pieces, now=now),
            media_type=ZIP,
            headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
        )
    return StreamingResponse(
        pieces,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )
