import pytest

from moderation.statuses import (
    CommentStatus,
    ModeratorAction,
    TransitionRefused,
    moderator_decision,
)

APPROVE, REJECT = ModeratorAction.APPROVE, ModeratorAction.REJECT
HELD, PUBLISHED, REJECTED, DELETED = (
    CommentStatus.HELD,
    CommentStatus.PUBLISHED,
    CommentStatus.REJECTED,
    CommentStatus.DELETED,
)


@pytest.mark.parametrize(
    ("action", "status", "open_reports", "expected", "result"),
    [
        (APPROVE, HELD, 0, None, PUBLISHED),
        (REJECT, HELD, 0, None, REJECTED),
        (APPROVE, PUBLISHED, 2, None, PUBLISHED),  # keep a reported comment up
        (REJECT, PUBLISHED, 1, None, REJECTED),  # take a reported comment down
        (REJECT, PUBLISHED, 0, PUBLISHED, REJECTED),  # a deliberate take-down
        (APPROVE, REJECTED, 0, REJECTED, PUBLISHED),  # a deliberate reversal
    ],
)
def test_allowed_decisions(
    action: ModeratorAction,
    status: CommentStatus,
    open_reports: int,
    expected: CommentStatus | None,
    result: CommentStatus,
) -> None:
    assert moderator_decision(action, status, open_reports, expected) == result


@pytest.mark.parametrize(
    ("action", "status", "open_reports", "expected"),
    [
        (APPROVE, PUBLISHED, 0, None),  # nothing to approve
        (APPROVE, PUBLISHED, 0, PUBLISHED),
        (REJECT, REJECTED, 0, None),  # already rejected
        (REJECT, PUBLISHED, 0, None),  # reversing needs the status the moderator saw
        (APPROVE, REJECTED, 0, None),
        (REJECT, PUBLISHED, 0, HELD),  # what the moderator saw is stale
        (APPROVE, DELETED, 0, DELETED),  # the author's deletion is final
        (REJECT, DELETED, 0, None),
    ],
)
def test_refused_decisions(
    action: ModeratorAction,
    status: CommentStatus,
    open_reports: int,
    expected: CommentStatus | None,
) -> None:
    with pytest.raises(TransitionRefused):
        moderator_decision(action, status, open_reports, expected)
