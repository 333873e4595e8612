"""What the API accepts and returns for legal notices and objections."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
)

from moderation.redress import MIN_NOTICE_EXPLANATION, NoticeAction, NoticeKind, NoticeStatus
from moderation.statuses import CommentStatus
from service.comments.models import Comment
from service.core.schemas import LINE, EmailAddress, Explanation, PlainText, Schema, Shown
from service.notices.models import Notice

ShortLine = Annotated[
    str, StringConstraints(max_length=300, pattern=LINE), AfterValidator(PlainText(300))
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=LINE),
    AfterValidator(PlainText(200, required=True)),
    Shown(),
]


def _long_enough(text: str) -> str:
    if len(text) < MIN_NOTICE_EXPLANATION:
        raise ValueError(
            f"explain in at least {MIN_NOTICE_EXPLANATION} characters why the comment is "
            "illegal or infringes your rights"
        )
    return text


class NoticeCreate(BaseModel):
    kind: NoticeKind
    explanation: Annotated[
        Explanation, AfterValidator(_long_enough), Shown(at_least=MIN_NOTICE_EXPLANATION)
    ]
    """Why the comment is illegal or infringes the notifier's rights (20 characters or more)."""
    legal_ground: ShortLine | None = None
    """The law, where the notifier can name it (e.g. "Criminal Act Art. 307 (defamation)")."""
    notifier_name: Name
    notifier_email: EmailAddress
    good_faith: Annotated[StrictBool, Field(json_schema_extra={"const": True})]
    """The notifier's statement that the notice is accurate and complete, in good faith."""

    @field_validator("good_faith")
    @classmethod
    def _declared(cls, value: bool) -> bool:
        if not value:
            raise ValueError("a notice needs the statement that it is made in good faith (true)")
        return value


class MeasurePublic(Schema):
    """The temporary measure a rights-infringement notice started (or joined)."""

    started_at: datetime
    ends_at: datetime
    objected: bool
    overdue: bool


class DecisionPublic(Schema):
    action: NoticeAction
    ground: str | None
    explanation: str | None
    decided_at: datetime
    automated: bool
    """True when the measure's period ended without an objection (no person decided)."""


NOTIFIER_REDRESS = (
    "If you disagree with the decision, you may ask for it to be reviewed by writing to the "
    "newsroom with this reference, turn to a certified out-of-court dispute settlement body, "
    "or go to court."
)


class NoticePublic(Schema):
    """What the holder of the reference sees: the notice's progress and the decision."""

    reference: str
    kind: NoticeKind
    status: NoticeStatus
    comment_id: int
    created_at: datetime
    measure: MeasurePublic | None
    decision: DecisionPublic | None
    redress: str | None
    """Once decided: what the notifier can do if they disagree."""

    @classmethod
    def of(cls, notice: Notice) -> Self:
        return cls(
            reference=notice.reference,
            kind=notice.kind,
            status=notice.status,
            comment_id=notice.comment_id,
            created_at=notice.created_at,
            measure=_measure(notice),
            decision=_decision(notice),
            redress=NOTIFIER_REDRESS if notice.status == NoticeStatus.DECIDED else None,
        )


def _measure(notice: Notice) -> MeasurePublic | None:
    if notice.measure_started_at is None or notice.measure_ends_at is None:
        return None
    return MeasurePublic(
        started_at=notice.measure_started_at,
        ends_at=notice.measure_ends_at,
        objected=notice.objected_at is not None,
        overdue=notice.overdue_at is not None,
    )


def _decision(notice: Notice) -> DecisionPublic | None:
    if notice.action is None or notice.decided_at is None:
        return None
    return DecisionPublic(
        action=notice.action,
        ground=notice.ground,
        explanation=notice.decision_explanation,
        decided_at=notice.decided_at,
        automated=notice.decided_by is None,
    )


class NoticeComment(Schema):
    id: int
    author_id: int
    body: str
    status: CommentStatus


class NoticeAdmin(NoticePublic):
    """A notice as moderators work it: the notifier's words and contact, the comment, the
    author's objection."""

    article_id: str
    explanation: str
    legal_ground: str | None
    notifier_name: str
    notifier_email: str
    notifier_id: int | None
    repeat: bool
    """Filed after a notice on the same comment was decided: it started no temporary measure
    by itself, and waits for a moderator's decision."""
    objection: str | None
    decided_by: int | None
    comment: NoticeComment

    @classmethod
    def with_comment(cls, notice: Notice, comment: Comment) -> "NoticeAdmin":
        return cls(
            **NoticePublic.of(notice).model_dump(),
            article_id=notice.article_id,
            explanation=notice.explanation,
            legal_ground=notice.legal_ground,
            notifier_name=notice.notifier_name,
            notifier_email=notice.notifier_email,
            notifier_id=notice.notifier_id,
            repeat=notice.repeat,
            objection=notice.objection,
            decided_by=notice.decided_by,
            comment=NoticeComment.model_validate(comment),
        )


class NoticeAdminPage(Schema):
    items: list[NoticeAdmin]
    next_cursor: str | None


class NoticeDecisionCreate(BaseModel):
    action: NoticeAction
    ground: Annotated[
        str,
        StringConstraints(min_length=1, max_length=300, pattern=LINE),
        AfterValidator(PlainText(300, required=True)),
    ]
    """The law or community guideline the decision rests on."""
    explanation: Explanation


class ObjectionCreate(BaseModel):
    explanation: Explanation
