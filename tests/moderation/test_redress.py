"""The rules behind statements of reasons, notices, temporary measures and appeals."""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from moderation.redress import (
    CommentCase,
    GroundKind,
    Means,
    MeasureEnd,
    MeasureNotifiers,
    MeasureStart,
    NoticeAction,
    NoticeFacts,
    NoticeKind,
    Restriction,
    appealable_until,
    blocks_at_once,
    comment_restriction,
    comment_statement,
    detected_by,
    may_decide_appeal,
    measure_end,
    measure_on_notice,
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


FIRST_NOTICE = NoticeFacts(
    kind=NoticeKind.RIGHTS_INFRINGEMENT,
    status=CommentStatus.PUBLISHED,
    decided_before=False,
    notifier_signed_in=True,
    author_is_staff=False,
)
"""A signed-in reader's rights notice on a reader's published comment, the first one."""


def facts(**change: Any) -> NoticeFacts:
    return replace(FIRST_NOTICE, **change)


@pytest.mark.parametrize("notifiers", list(MeasureNotifiers))
def test_a_signed_in_notifiers_rights_notice_starts_the_measure(
    notifiers: MeasureNotifiers,
) -> None:
    assert measure_on_notice(facts(), notifiers) == MeasureStart.AT_ONCE


def test_by_default_an_anonymous_notice_waits_for_a_moderator() -> None:
    anonymous = facts(notifier_signed_in=False)

    assert measure_on_notice(anonymous, MeasureNotifiers.SIGNED_IN) == (
        MeasureStart.NOTIFIER_NOT_SIGNED_IN
    )
    assert measure_on_notice(anonymous, MeasureNotifiers.ANYONE) == MeasureStart.AT_ONCE


@pytest.mark.parametrize("notifiers", list(MeasureNotifiers))
@pytest.mark.parametrize("signed_in", [True, False])
def test_once_a_notice_on_the_comment_was_decided_the_next_is_a_repeat_for_anyone(
    notifiers: MeasureNotifiers, signed_in: bool
) -> None:
    repeat = facts(decided_before=True, notifier_signed_in=signed_in)

    assert measure_on_notice(repeat, notifiers) == MeasureStart.REPEAT


@pytest.mark.parametrize("notifiers", list(MeasureNotifiers))
def test_a_staff_comment_is_reviewed_not_hidden(notifiers: MeasureNotifiers) -> None:
    assert measure_on_notice(facts(author_is_staff=True), notifiers) == MeasureStart.STAFF_AUTHOR


@pytest.mark.parametrize(
    "change",
    [
        {"kind": NoticeKind.ILLEGAL_CONTENT},
        {"status": CommentStatus.BLOCKED},  # joins the running measure instead
        {"kind": NoticeKind.ILLEGAL_CONTENT, "decided_before": True},
        {"status": CommentStatus.BLOCKED, "notifier_signed_in": False, "author_is_staff": True},
    ],
)
def test_no_measure_where_the_law_starts_none(change: dict[str, Any]) -> None:
    for notifiers in MeasureNotifiers:
        assert measure_on_notice(facts(**change), notifiers) == MeasureStart.NOT_APPLICABLE


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
