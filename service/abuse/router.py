"""The external moderation hook's record, under /v1/admin."""

from fastapi import APIRouter

from auth.deps import MODERATORS_ONLY
from service.abuse.service import external_counts
from service.core.deps import SessionDep
from service.core.schemas import Schema

admin_router = APIRouter(dependencies=MODERATORS_ONLY)


class ExternalOutcomes(Schema):
    days: dict[str, dict[str, int]]
    """Per day (UTC), how the hook answered: `publish`, `hold`, `reject`, and its failures:
    `failed_held` (held as `external_unavailable`) or `failed_passed`."""


@admin_router.get("/external-moderation/outcomes")
def external_outcomes(session: SessionDep) -> ExternalOutcomes:
    """The last seven days of the external hook's answers: a receiver that keeps failing
    shows here before the held queue fills."""
    return ExternalOutcomes(days=external_counts(session))
