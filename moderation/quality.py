"""The newsroom's own moderators as the judge of its model: each decision on a scored comment is a
label, and a model's scores are measured against those labels (ROC AUC, and what a hold
threshold would have held, and how much of it rightly)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from moderation.statuses import CommentStatus

NOT_ABOUT_ABUSE = frozenset({"spam", "off_topic"})
"""Reject reasons that say nothing of abuse: such a rejection is no label for a toxicity model."""

THRESHOLD_STEPS = tuple(round(0.05 * step, 2) for step in range(1, 20))
"""The thresholds of the table a report draws: 0.05, 0.10, ... 0.95."""


class LabelKind(StrEnum):
    HELD_APPROVED = "held_approved"
    """Held, and a moderator published it: not abusive."""
    HELD_REJECTED = "held_rejected"
    """Held, and a moderator rejected it: abusive."""
    REMOVED = "removed"
    """Published, then taken down (after reports, a notice, or a moderator's own reading): abusive,
    and a miss, since the model let it through."""
    REPORT_DISMISSED = "report_dismissed"
    """Readers reported it and a moderator kept it up: not abusive."""
    RESTORED = "restored"
    """Rejected or blocked, then published by a moderator (an appeal, a notice found
    unfounded): not abusive."""


@dataclass(frozen=True)
class Label:
    kind: LabelKind
    abusive: bool
    missed: bool
    """The comment had been published: an abusive one got past the model."""


RESTRICTED = frozenset({CommentStatus.REJECTED, CommentStatus.BLOCKED})


def label_of(
    from_status: CommentStatus, to_status: CommentStatus, *, reason: str, open_reports: int
) -> Label | None:
    """What a moderator's move says of the comment, or None when it says nothing of abuse (a
    deletion, a temporary measure, a rejection as spam)."""
    if to_status == CommentStatus.REJECTED:
        if reason in NOT_ABOUT_ABUSE:
            return None
        if from_status == CommentStatus.HELD:
            return Label(LabelKind.HELD_REJECTED, abusive=True, missed=False)
        if from_status in (CommentStatus.PUBLISHED, CommentStatus.BLOCKED):
            return Label(LabelKind.REMOVED, abusive=True, missed=True)
        return None
    if to_status != CommentStatus.PUBLISHED:
        return None
    if from_status == CommentStatus.HELD:
        return Label(LabelKind.HELD_APPROVED, abusive=False, missed=False)
    if from_status == CommentStatus.PUBLISHED and open_reports > 0:
        return Label(LabelKind.REPORT_DISMISSED, abusive=False, missed=False)
    if from_status in RESTRICTED:
        return Label(LabelKind.RESTORED, abusive=False, missed=False)
    return None


@dataclass(frozen=True)
class Judged:
    """One labelled comment as one model scored it."""

    scores: Mapping[str, float]
    abusive: bool


def rank_score(scores: Mapping[str, float], thresholds: Mapping[str, float]) -> float:
    """What orders comments from civil to abusive for one model: its highest score among the
    attributes the hold thresholds watch (all of them when none is watched), so the table over
    thresholds and the ROC AUC judge the scores the policy acts on."""
    watched = [scores[name] for name in thresholds if name in scores]
    return max(watched or scores.values() or (0.0,))


def held_by(scores: Mapping[str, float], thresholds: Mapping[str, float]) -> bool:
    """The policy's rule: any attribute at or over its threshold holds the comment."""
    return any(scores.get(name, 0.0) >= threshold for name, threshold in thresholds.items())


def roc_auc(values: Sequence[float], abusive: Sequence[bool]) -> float | None:
    """The chance that an abusive comment scores above a civil one (ties count half): the
    Mann-Whitney statistic over average ranks. None when one class is missing."""
    positives = sum(abusive)
    negatives = len(abusive) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(values)), key=lambda index: values[index])
    rank_sum = 0.0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average_rank = (start + end) / 2 + 1
        rank_sum += average_rank * sum(abusive[order[k]] for k in range(start, end + 1))
        start = end + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass(frozen=True)
class Agreement:
    """What a rule held of the labelled comments, and how far the moderators agreed."""

    held: int
    precision: float | None
    """Of the comments held, the share moderators found abusive (None: nothing held)."""
    recall: float | None
    """Of the comments moderators found abusive, the share held (None: none abusive)."""


def agreement(held: Sequence[bool], abusive: Sequence[bool]) -> Agreement:
    held_abusive = sum(h and a for h, a in zip(held, abusive, strict=True))
    held_count, abusive_count = sum(held), sum(abusive)
    return Agreement(
        held=held_count,
        precision=held_abusive / held_count if held_count else None,
        recall=held_abusive / abusive_count if abusive_count else None,
    )


@dataclass(frozen=True)
class Quality:
    labelled: int
    abusive: int
    roc_auc: float | None
    in_force: Agreement
    """The hold thresholds in force, applied as the policy applies them."""
    by_threshold: list[tuple[float, Agreement]]
    """One threshold for the ranking score, at each of `THRESHOLD_STEPS`."""


def quality(judged: Sequence[Judged], thresholds: Mapping[str, float]) -> Quality:
    abusive = [item.abusive for item in judged]
    ranked = [rank_score(item.scores, thresholds) for item in judged]
    return Quality(
        labelled=len(judged),
        abusive=sum(abusive),
        roc_auc=roc_auc(ranked, abusive),
        in_force=agreement([held_by(item.scores, thresholds) for item in judged], abusive),
        by_threshold=[
            (step, agreement([value >= step for value in ranked], abusive))
            for step in THRESHOLD_STEPS
        ],
    )
