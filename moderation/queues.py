"""The moderators' queues, and which counters a comment counts in: a domain rule, so the
counters kept beside the comments and the queries that list the queues cannot disagree."""

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from moderation.statuses import CommentStatus

APPROVED_REASON = "approved"
"""The reason an approved comment carries; the `approved` queue lists them."""


class Queue(StrEnum):
    HELD = "held"
    REPORTED = "reported"
    REJECTED = "rejected"
    APPROVED = "approved"


Mark = tuple[Queue, int]
"""A queue and a level: the open reports for `reported` (its threshold is a setting, so the
counters keep one count per number of reports), 0 for the others."""


@dataclass(frozen=True)
class Standing:
    """What decides where a comment is counted: its status, its reason and its open reports."""

    status: CommentStatus
    reason: str | None
    open_reports: int = 0

    @property
    def published(self) -> bool:
        return self.status == CommentStatus.PUBLISHED

    def marks(self) -> frozenset[Mark]:
        """The queues this comment is in (a reported comment may also be an approved one)."""
        if self.status == CommentStatus.HELD:
            return frozenset({(Queue.HELD, 0)})
        if self.status == CommentStatus.REJECTED:
            return frozenset({(Queue.REJECTED, 0)})
        if not self.published:
            return frozenset()
        marks: set[Mark] = set()
        if self.reason == APPROVED_REASON:
            marks.add((Queue.APPROVED, 0))
        if self.open_reports > 0:
            marks.add((Queue.REPORTED, self.open_reports))
        return frozenset(marks)


@dataclass(frozen=True)
class Move:
    """A comment going from one standing to another (None: not yet written); `rewritten`: its
    text changed too (an edit)."""

    before: Standing | None
    after: Standing
    rewritten: bool = False

    @property
    def published_delta(self) -> int:
        was = self.before is not None and self.before.published
        return int(self.after.published) - int(was)

    @property
    def public_change(self) -> bool:
        """Whether anonymous readers' view of the article changes: the comment appears or
        disappears, or a published one is rewritten. A held comment arriving, a report, or a
        moderator keeping a reported comment up change nothing they see."""
        was_published = self.before is not None and self.before.published
        return was_published != self.after.published or (self.after.published and self.rewritten)

    def queue_deltas(self) -> dict[Mark, int]:
        """+1 for each queue the comment enters, -1 for each it leaves."""
        deltas: Counter[Mark] = Counter(self.after.marks())
        deltas.subtract(self.before.marks() if self.before else ())
        return {mark: delta for mark, delta in deltas.items() if delta}
