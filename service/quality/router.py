"""The model-quality report (admins, under /v1/admin)."""

from fastapi import APIRouter

from auth.deps import Admin
from service.core.deps import SessionDep
from service.core.errors import Unprocessable, error_responses
from service.core.periods import From, InvalidPeriod, To, period
from service.policy.deps import PolicyDep
from service.quality.schemas import ModelQuality, ModelQualityReport
from service.quality.service import model_quality

admin_router = APIRouter()


@admin_router.get(
    "/model-quality",
    response_model=ModelQualityReport,
    responses=error_responses(InvalidPeriod, Unprocessable),
)
def model_quality_report(
    admin: Admin,
    session: SessionDep,
    policy: PolicyDep,
    start_text: From = None,
    end_text: To = None,
) -> ModelQualityReport:
    """How the scores of the comments moderators decided from `from` (by default 30 days before
    `to`) up to `to` (by default now) agree with their decisions, per model and language: ROC
    AUC, precision and recall at the hold thresholds in force and at each threshold from 0.05
    to 0.95, and the comments published then removed. A shadow model's figures come with the
    served models' on the same comments."""
    start, end = period(start_text, end_text, days=30)
    in_force = policy.current(session).settings.hold_thresholds
    thresholds = {str(name): value for name, value in in_force.items()}
    reports = model_quality(session, start=start, end=end, thresholds=thresholds)
    return ModelQualityReport(
        start=start,
        end=end,
        thresholds=thresholds,
        models=[ModelQuality.of_report(report) for report in reports],
    )
