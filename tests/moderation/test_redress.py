"""The rules behind statements of reasons, notices, temporary measures and appeals."""

from datetime import UTC, datetime

import pytest

from moderation.redress import (
    CommentCase,
    GroundKind,
    Means,
    MeasureEnd,
    NoticeAction,
    NoticeKind,
    Restriction,
    appealable_until,
    blocks_at_once,
    comment_restriction,
    comment_statement,
    detected_by,
    may_decide_appeal,
    measure_end,
    notice_outcome,
    redress,
)
from moderation.statuses import CommentStatus


@pytest.mark.parametrize(
    ("status", "reason", "restriction"),
    [
        (CommentStatus.REJECTED, "offensive", Restriction.COMMENT_REJECTED),
        (CommentStatus.REJECTED, "legal_notice", Restriction.COMMENT_REMOVED),
        (CommentStatus.REJECTED, "temporary_measure_expired", Restriction.COMMENT_REMOVED),
        (CommentStatus.BLOCKED, "temporary_measure", Restriction.COMMENT_BLOCKED),
        (CommentStatus.DELETED, "deleted_by_moderator", Restriction.COMMENT_REMOVED),
        (CommentStatus.DELETED, "deleted_by_author", None),
        (CommentStatus.HELD, "toxic", None),
        (CommentStatus.PUBLISHED, "approved", None),
    ],
)
def test_which_moves_restrict_a_comment(
    status: CommentStatus, reason: str, restriction: Restriction | None
) -> None:
    assert comment_restriction(status, reason) == restriction


def case(**overrides: object) -> CommentCase:
    fields: dict[str, object] = {
        "restriction": Restriction.COMMENT_REJECTED,
        "reason": "offensive",
        "by_person": True,
        "earlier_reason": None,
        "open_reports": 0,
        "scores": {"toxicity": 0.91, "insult": 0.4},
        "model_id": "embedded-v1",
    }
    fields.update(overrides)
    return CommentCase(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "means"),
    [
        ({"by_person": False, "reason": "banned_word"}, Means.WORD_LIST),
        ({"by_person": False, "reason": "toxic_auto_rejected"}, Means.MODEL),
        ({"earlier_reason": "toxic"}, Means.MODEL),
        ({"earlier_reason": "suspect_word"}, Means.WORD_LIST),
        ({"earlier_reason": "toxic", "open_reports": 2}, Means.READER_REPORTS),
        ({"earlier_reason": "passed_checks"}, Means.MODERATOR),
        ({"reason": "legal_notice"}, Means.LEGAL_NOTICE),
    ],
)
def test_how_a_restricted_comment_came_to_attention(
    overrides: dict[str, object], means: Means
) -> None:
    assert detected_by(case(**overrides)) == means


def test_a_statement_names_the_models_strongest_score_and_the_guideline() -> None:
    statement = comment_statement(case(by_person=False, reason="toxic_auto_rejected"))

    assert "embedded-v1 scored it toxicity 0.91" in statement.facts
    assert "decided automatically" in statement.facts
    assert (statement.automated_detection, statement.automated_decision) == (True, True)
    assert (statement.ground_kind, statement.ground_text[:21]) == (
        GroundKind.GUIDELINE,
        "Community guideline 1",
    )


def test_a_legal_statement_names_the_law() -> None:
    statement = comment_statement(
        case(
            restriction=Restriction.COMMENT_REMOVED,
            reason="legal_notice",
            legal_ground="Criminal Act Art. 307",
        )
    )

    assert statement.ground_kind == GroundKind.LAW
    assert "Criminal Act Art. 307" in statement.ground_text
    assert statement.automated_detection is False


@pytest.mark.parametrize(
    ("issued", "until"),
    [
        (datetime(2026, 11, 28, 9, tzinfo=UTC), datetime(2027, 5, 28, 9, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2027, 8, 31, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 6, 30, tzinfo=UTC), datetime(2026, 12, 30, tzinfo=UTC)),
    ],
)
def test_appeals_are_open_for_six_calendar_months(issued: datetime, until: datetime) -> None:
    assert appealable_until(issued) == until


def test_redress_for_a_measure_is_an_objection_and_otherwise_an_appeal() -> None:
    until = datetime(2027, 5, 28, tzinfo=UTC)
    assert "object" in redress(Restriction.COMMENT_BLOCKED, until)
    appeal = redress(Restriction.ACCOUNT_BANNED, until)
    assert "2027-05-28" in appeal
    assert "court" in appeal


def test_who_may_decide_an_appeal() -> None:
    assert not may_decide_appeal(7, 7)
    assert may_decide_appeal(7, 8)
    assert may_decide_appeal(None, 7)  # an automated decision was nobody's


def test_only_a_rights_notice_on_a_published_comment_blocks_it() -> None:
    assert blocks_at_once(NoticeKind.RIGHTS_INFRINGEMENT, CommentStatus.PUBLISHED)
    assert not blocks_at_once(NoticeKind.ILLEGAL_CONTENT, CommentStatus.PUBLISHED)
    assert not blocks_at_once(NoticeKind.RIGHTS_INFRINGEMENT, CommentStatus.BLOCKED)


@pytest.mark.parametrize(
    ("action", "status", "outcome"),
    [
        (NoticeAction.REMOVE, CommentStatus.PUBLISHED, CommentStatus.REJECTED),
        (NoticeAction.REMOVE, CommentStatus.BLOCKED, CommentStatus.REJECTED),
        (NoticeAction.REMOVE, CommentStatus.DELETED, None),
        (NoticeAction.REMOVE, CommentStatus.HELD, CommentStatus.REJECTED),
        (NoticeAction.RESTORE, CommentStatus.BLOCKED, CommentStatus.PUBLISHED),
        (NoticeAction.NO_ACTION, CommentStatus.BLOCKED, CommentStatus.PUBLISHED),
        (NoticeAction.NO_ACTION, CommentStatus.PUBLISHED, None),
        (NoticeAction.RESTORE, CommentStatus.REJECTED, None),
    ],
)
def test_what_a_notice_decision_does_to_the_comment(
    action: NoticeAction, status: CommentStatus, outcome: CommentStatus | None
) -> None:
    assert notice_outcome(action, status) == outcome


def test_the_end_of_a_measure() -> None:
    assert measure_end(objected=False) == MeasureEnd.REMOVE
    assert measure_end(objected=True) == MeasureEnd.OVERDUE
