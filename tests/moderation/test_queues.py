"""Which queues a comment counts in, and what a move changes: the rule the counters and the
page cache both follow."""

import pytest

from moderation.queues import APPROVED_REASON, Move, Queue, Standing
from moderation.statuses import CommentStatus

PUBLISHED = Standing(CommentStatus.PUBLISHED, "passed_checks")
HELD = Standing(CommentStatus.HELD, "toxic")
REJECTED = Standing(CommentStatus.REJECTED, "spam")
DELETED = Standing(CommentStatus.DELETED, "deleted_by_author")
REPORTED_TWICE = Standing(CommentStatus.PUBLISHED, "passed_checks", open_reports=2)
APPROVED = Standing(CommentStatus.PUBLISHED, APPROVED_REASON)


@pytest.mark.parametrize(
    ("standing", "marks"),
    [
        (PUBLISHED, set()),
        (HELD, {(Queue.HELD, 0)}),
        (REJECTED, {(Queue.REJECTED, 0)}),
        (DELETED, set()),
        (REPORTED_TWICE, {(Queue.REPORTED, 2)}),
        (
            Standing(CommentStatus.PUBLISHED, APPROVED_REASON, open_reports=1),
            {(Queue.APPROVED, 0), (Queue.REPORTED, 1)},
        ),
        (Standing(CommentStatus.HELD, "toxic", open_reports=3), {(Queue.HELD, 0)}),
    ],
)
def test_the_queues_a_comment_is_in(standing: Standing, marks: set[tuple[Queue, int]]) -> None:
    assert standing.marks() == marks


@pytest.mark.parametrize(
    ("move", "published", "queues", "public"),
    [
        (Move(None, PUBLISHED), 1, {}, True),
        (Move(None, HELD), 0, {(Queue.HELD, 0): 1}, False),
        (Move(HELD, APPROVED), 1, {(Queue.HELD, 0): -1, (Queue.APPROVED, 0): 1}, True),
        (Move(PUBLISHED, REJECTED), -1, {(Queue.REJECTED, 0): 1}, True),
        (Move(REJECTED, DELETED), 0, {(Queue.REJECTED, 0): -1}, False),
        (Move(PUBLISHED, REPORTED_TWICE), 0, {(Queue.REPORTED, 2): 1}, False),
        (
            Move(REPORTED_TWICE, APPROVED),
            0,
            {(Queue.REPORTED, 2): -1, (Queue.APPROVED, 0): 1},
            False,
        ),
        (Move(PUBLISHED, PUBLISHED, rewritten=True), 0, {}, True),
        (Move(HELD, HELD, rewritten=True), 0, {}, False),
    ],
)
def test_what_a_move_changes(
    move: Move, published: int, queues: dict[tuple[Queue, int], int], public: bool
) -> None:
    assert move.published_delta == published
    assert move.queue_deltas() == queues
    assert move.public_change is public
