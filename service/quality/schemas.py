"""The model-quality report as JSON."""

from datetime import datetime

from moderation.quality import Agreement, Quality
from service.core.schemas import Schema
from service.quality.service import ModelReport


class AgreementOut(Schema):
    held: int
    precision: float | None
    """Of the comments held, the share moderators found abusive; null when none was held."""
    recall: float | None
    """Of the comments moderators found abusive, the share held; null when none was."""

    @classmethod
    def of(cls, agreement: Agreement) -> "AgreementOut":
        return cls(held=agreement.held, precision=agreement.precision, recall=agreement.recall)


class ThresholdRow(AgreementOut):
    threshold: float


class QualityOut(Schema):
    labelled: int
    abusive: int
    roc_auc: float | None
    """Null when the comments are all abusive or all not."""
    at_thresholds_in_force: AgreementOut

    @classmethod
    def of(cls, measured: Quality) -> "QualityOut":
        return cls(
            labelled=measured.labelled,
            abusive=measured.abusive,
            roc_auc=measured.roc_auc,
            at_thresholds_in_force=AgreementOut.of(measured.in_force),
        )


class MissOut(Schema):
    comment_id: int
    score: float
    held: bool


class MissesOut(Schema):
    count: int
    """Published by the model in use, then removed by a moderator."""
    held: int
    """Of those, how many this model's scores would have held."""
    lowest: list[MissOut]

    @classmethod
    def of(cls, report: ModelReport) -> "MissesOut":
        return cls(
            count=report.misses,
            held=report.misses_held,
            lowest=[MissOut(**vars(miss)) for miss in report.lowest_misses],
        )


class ModelQuality(QualityOut):
    model_id: str
    role: str
    """`served` (it decided these comments) or `shadow` (it scored them beside the served one)."""
    language: str
    """`en`, `ko` or `en+ko`."""
    by_threshold: list[ThresholdRow]
    """One threshold on the model's highest watched score, 0.05 to 0.95."""
    misses: MissesOut
    served_on_same_comments: QualityOut | None
    """For a shadow: the served models on the very comments it scored."""

    @classmethod
    def of_report(cls, report: ModelReport) -> "ModelQuality":
        measured = report.quality
        return cls(
            **QualityOut.of(measured).model_dump(),
            model_id=report.model_id,
            role=report.role,
            language=report.language,
            by_threshold=[
                ThresholdRow(threshold=step, **AgreementOut.of(agreement).model_dump())
                for step, agreement in measured.by_threshold
            ],
            misses=MissesOut.of(report),
            served_on_same_comments=(
                QualityOut.of(report.served_on_same) if report.served_on_same else None
            ),
        )


class ModelQualityReport(Schema):
    start: datetime
    end: datetime
    thresholds: dict[str, float]
    """The hold thresholds in force, which `at_thresholds_in_force` applies."""
    models: list[ModelQuality]
