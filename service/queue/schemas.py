"""The queues as moderators read them, and the decisions they send."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from moderation.policy import ThresholdEffect
from moderation.scoring.explanations import Explanation
from moderation.scoring.scorers import TOXICITY_ATTRIBUTES, ToxicityAttribute
from moderation.statuses import CommentStatus, ModeratorAction, RejectReason
from service.audit.models import AuditEvent
from service.audit.schemas import AuditEventPublic
from service.comments.models import CommentRevision, CommentWithAuthor, ReactionKind
from service.comments.reactions import RecentReaction, Timeline
from service.comments.schemas import CommentAdmin, RevisionPublic
from service.core.schemas import JsonId, Note, Schema
from service.reports.models import Report
from service.reports.schemas import ReportPublic


class QueueSort(StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    TOXICITY = "toxicity"
    REPORTS = "reports"


class QueueCounts(Schema):
    held: int
    reported: int
    rejected: int
    approved: int


class ArticleQueueCounts(Schema):
    article_id: str
    held: int
    reported: int


class QueueCountsPage(Schema):
    counts: QueueCounts
    articles: list[ArticleQueueCounts]
    """The articles with the most comments waiting (held or reported), busiest first."""


class ExplanationSpan(Schema):
    """`body[start:end]` (offsets in Unicode code points) and how far it pushed the score."""

    start: int
    end: int
    text: str
    weight: float


class ModelExplanation(Schema):
    """Why one model scored the comment as it did: the parts of the text that pushed its score
    up most, strongest first."""

    model_id: str
    spans: list[ExplanationSpan]


class CommentAdminDetail(CommentAdmin):
    """A comment with every action on it, its earlier versions, its reports, and why the models
    that scored it scored it so (each one still loaded: a linear model's own weights, Detoxify's
    by occlusion; a model that does not answer in time is left out)."""

    actions: list[AuditEventPublic]
    revisions: list[RevisionPublic]
    reports: list[ReportPublic]
    explanation: list[ModelExplanation]

    @classmethod
    def of_history(
        cls,
        row: CommentWithAuthor,
        *,
        actions: list[AuditEvent],
        revisions: list[CommentRevision],
        reports: list[Report],
        explanation: list[Explanation],
    ) -> "CommentAdminDetail":
        return cls(
            **CommentAdmin.of(row).model_dump(),
            actions=[AuditEventPublic.model_validate(a) for a in actions],
            revisions=[RevisionPublic.model_validate(r) for r in revisions],
            reports=[ReportPublic.model_validate(r) for r in reports],
            explanation=[ModelExplanation.model_validate(e) for e in explanation],
        )


class ApproveRequest(BaseModel):
    note: Note | None = None
    expected_status: CommentStatus | None = None
    """The status the moderator saw; needed to reverse a decision (approve a rejected comment)."""


class RejectRequest(BaseModel):
    reason: RejectReason
    note: Note | None = None
    expected_status: CommentStatus | None = None
    """The status the moderator saw; needed to take down a published comment nobody reported."""


REJECT_NEEDS_A_REASON: JsonDict = {
    "if": {"properties": {"action": {"const": ModeratorAction.REJECT.value}}},
    "then": {"required": ["reason"], "properties": {"reason": {"not": {"type": "null"}}}},
}
"""The document's form of `_reject_needs_a_reason`."""


class BulkDecision(BaseModel):
    """`reason` is required when `action` is `reject`."""

    model_config = ConfigDict(json_schema_extra=REJECT_NEEDS_A_REASON)

    ids: list[JsonId] = Field(min_length=1, max_length=100)
    action: ModeratorAction
    reason: RejectReason | None = None
    note: Note | None = None
    expected_status: CommentStatus | None = None

    @model_validator(mode="after")
    def _reject_needs_a_reason(self) -> "BulkDecision":
        if self.action == ModeratorAction.REJECT and self.reason is None:
            raise ValueError("rejecting needs a reason")
        return self


class BulkItem(Schema):
    id: int
    ok: bool
    status: CommentStatus | None = None
    error: str | None = None


class BulkResults(Schema):
    results: list[BulkItem]


class TakedownResults(BulkResults):
    remaining: int | None
    """The author's comments still held or published after this request (null when the
    database could not say): above zero, ask again."""


class RejectAll(BaseModel):
    reason: RejectReason
    note: Note | None = None


QueryThreshold = Annotated[float, Field(gt=0.0, le=1.0)]
"""A threshold in a query string (text there, so not strict as in a JSON body)."""


class ProposedThresholds(BaseModel):
    """Hold thresholds to try; an attribute left out keeps the one in force."""

    model_config = {"extra": "forbid"}

    days: int = Field(7, ge=1, le=30)
    """How far back to look: comments created in the last `days` days."""
    toxicity: QueryThreshold | None = None
    severe_toxicity: QueryThreshold | None = None
    obscene: QueryThreshold | None = None
    threat: QueryThreshold | None = None
    insult: QueryThreshold | None = None
    identity_attack: QueryThreshold | None = None
    sexual_explicit: QueryThreshold | None = None

    def thresholds(self) -> dict[ToxicityAttribute, float]:
        return {
            name: value
            for name in TOXICITY_ATTRIBUTES
            if (value := getattr(self, name)) is not None
        }


class AttributeEffect(Schema):
    attribute: ToxicityAttribute
    current: float | None
    proposed: float | None
    held_now: int
    """Comments at or over the threshold in force."""
    held_proposed: int
    """Comments at or over the proposed threshold."""


class HoldPreview(Schema):
    """What the proposed thresholds would have held of the comments scored in the last `days`
    days (the newest 20,000 of them at most: `scored` says how many), beside what the
    thresholds in force hold (by score alone: word lists and pre-moderation hold comments
    too)."""

    days: int
    scored: int
    held_now: int
    held_proposed: int
    by_attribute: list[AttributeEffect]

    @classmethod
    def of(
        cls,
        effect: ThresholdEffect,
        *,
        days: int,
        current: dict[ToxicityAttribute, float],
        proposed: dict[ToxicityAttribute, float],
    ) -> "HoldPreview":
        return cls(
            days=days,
            scored=effect.scored,
            held_now=effect.held_now,
            held_proposed=effect.held_proposed,
            by_attribute=[
                AttributeEffect(
                    attribute=name,
                    current=current.get(name),
                    proposed=proposed.get(name),
                    held_now=now,
                    held_proposed=then,
                )
                for name, (now, then) in effect.by_attribute.items()
            ],
        )


class TimelineBucketPublic(Schema):
    start: datetime
    likes: int
    dislikes: int
    unranked: int
    """Of them, reactions that do not count toward ranking (new accounts, or banned since)."""


class RecentReactionPublic(Schema):
    user_id: int
    display_name: str
    kind: ReactionKind
    ranked: bool
    account_age_hours: float
    """How old the account was when it reacted."""
    created_at: datetime

    @classmethod
    def of(cls, reaction: RecentReaction) -> "RecentReactionPublic":
        age = reaction.created_at - reaction.account_created_at
        return cls(
            user_id=reaction.user_id,
            display_name=reaction.display_name,
            kind=reaction.kind,
            ranked=reaction.ranked,
            account_age_hours=round(age.total_seconds() / 3600, 1),
            created_at=reaction.created_at,
        )


class ReactionTimelinePublic(Schema):
    """A comment's reactions over time: per `bucket_minutes` (1, 60 or 1,440 by their span,
    over the newest 5,000), and the newest 50 with their accounts' ages."""

    comment_id: int
    likes: int
    dislikes: int
    ranked_likes: int
    ranked_dislikes: int
    bucket_minutes: int
    buckets: list[TimelineBucketPublic]
    recent: list[RecentReactionPublic]

    @classmethod
    def of(cls, timeline: Timeline) -> "ReactionTimelinePublic":
        comment = timeline.comment
        assert comment.id is not None
        return cls(
            comment_id=comment.id,
            likes=comment.likes,
            dislikes=comment.dislikes,
            ranked_likes=comment.ranked_likes,
            ranked_dislikes=comment.ranked_dislikes,
            bucket_minutes=timeline.bucket_minutes,
            buckets=[
                TimelineBucketPublic.model_validate(b, from_attributes=True)
                for b in timeline.buckets
            ],
            recent=[
                RecentReactionPublic(
                    user_id=r.user_id,
                    display_name=r.display_name,
                    kind=r.kind,
                    ranked=r.ranked,
                    account_age_hours=round(
                        (r.created_at - r.account_created_at).total_seconds() / 3600, 1
                    ),
                    created_at=r.created_at,
                )
                for r in timeline.recent
            ],
        )
