"""The publish/hold decision, as ordered phases: the first phase that decides wins."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from moderation.scoring import Scores
from moderation.statuses import CommentStatus


@dataclass(frozen=True)
class Decision:
    status: CommentStatus
    reason: str


@dataclass(frozen=True)
class CommentContext:
    """What the policy knows about one comment; grows as phases need more (author, article)."""

    text: str
    scores: Scores | None


@dataclass(frozen=True)
class PolicyConfig:
    hold_thresholds: Mapping[str, float] = field(default_factory=lambda: {"toxicity": 0.8})


Phase = Callable[[CommentContext, PolicyConfig], Decision | None]

SCORING_UNAVAILABLE = Decision(CommentStatus.HELD, "scoring_unavailable")
PUBLISHED = Decision(CommentStatus.PUBLISHED, "passed_checks")


def unscored(context: CommentContext, config: PolicyConfig) -> Decision | None:
    """Fail closed: a comment the model could not score is never published."""
    return SCORING_UNAVAILABLE if context.scores is None else None


def toxicity(context: CommentContext, config: PolicyConfig) -> Decision | None:
    """Hold when any attribute the model reports reaches its threshold."""
    scores = context.scores or {}
    for attribute, threshold in config.hold_thresholds.items():
        if scores.get(attribute, 0.0) >= threshold:
            return Decision(CommentStatus.HELD, "toxic")
    return None


DEFAULT_PHASES: Sequence[Phase] = (unscored, toxicity)


def decide(
    context: CommentContext,
    config: PolicyConfig,
    phases: Sequence[Phase] = DEFAULT_PHASES,
) -> Decision:
    for phase in phases:
        decision = phase(context, config)
        if decision is not None:
            return decision
    return PUBLISHED
