"""The publish/hold/reject decision, as ordered phases (Coral Talk's pipeline is the model): the
first phase that decides wins, and every decision names its reason.

The checks that refuse a comment outright (its text, a closed article, a banned author) happen
before this, in the service; these phases decide what happens to a comment that is accepted.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from moderation.scoring.scorers import Scores, ToxicityAttribute
from moderation.statuses import CommentStatus
from moderation.wordlists import WordList


@dataclass(frozen=True)
class Decision:
    status: CommentStatus
    reason: str
    note: str | None = None


@dataclass(frozen=True)
class CommentContext:
    text: str
    scores: Scores | None
    author_published_count: int = 0
    """How many of the author's earlier comments are published (new-commenter pre-moderation)."""
    author_premoderated: bool = False
    article_premoderated: bool = False


@dataclass(frozen=True)
class PolicyConfig:
    hold_thresholds: Mapping[ToxicityAttribute, float] = field(
        default_factory=lambda: {"toxicity": 0.8}
    )
    reject_threshold: float | None = None
    """Auto-reject when an attribute reaches this; off (None) by default."""
    new_commenter_comments: int = 0
    """Hold each author's first N comments; 0 turns it off."""
    banned_words: WordList = field(default_factory=lambda: WordList(()))
    suspect_words: WordList = field(default_factory=lambda: WordList(()))


Phase = Callable[[CommentContext, PolicyConfig], Decision | None]

SCORING_UNAVAILABLE = Decision(CommentStatus.HELD, "scoring_unavailable")
TOXIC = Decision(CommentStatus.HELD, "toxic")
PUBLISHED = Decision(CommentStatus.PUBLISHED, "passed_checks")


def banned_words(context: CommentContext, config: PolicyConfig) -> Decision | None:
    word = config.banned_words.find(context.text)
    return Decision(CommentStatus.REJECTED, "banned_word", f"matched {word!r}") if word else None


def suspect_words(context: CommentContext, config: PolicyConfig) -> Decision | None:
    word = config.suspect_words.find(context.text)
    return Decision(CommentStatus.HELD, "suspect_word", f"matched {word!r}") if word else None


def unscored(context: CommentContext, config: PolicyConfig) -> Decision | None:
    """Fail closed: a comment the model could not score is never published."""
    return SCORING_UNAVAILABLE if context.scores is None else None


def toxicity(context: CommentContext, config: PolicyConfig) -> Decision | None:
    """Reject at the auto-reject threshold (when on), else hold at an attribute's threshold."""
    scores = context.scores or {}
    if config.reject_threshold is not None:
        worst = max(scores.values(), default=0.0)
        if worst >= config.reject_threshold:
            return Decision(CommentStatus.REJECTED, "toxic_auto_rejected")
    attribute = first_over(scores, config.hold_thresholds)
    if attribute is not None:
        return Decision(CommentStatus.HELD, "toxic", f"{attribute} {scores[attribute]:.2f}")
    return None


def first_over(
    scores: Scores, thresholds: Mapping[ToxicityAttribute, float]
) -> ToxicityAttribute | None:
    """The first attribute at or above its hold threshold: the one a held comment is held for."""
    for attribute, threshold in thresholds.items():
        if scores.get(attribute, 0.0) >= threshold:
            return attribute
    return None


@dataclass(frozen=True)
class ThresholdEffect:
    """How many of a set of scored comments each attribute's threshold holds, and all of them
    together, under the thresholds in force and under proposed ones."""

    scored: int
    held_now: int
    held_proposed: int
    by_attribute: Mapping[ToxicityAttribute, tuple[int, int]]
    """Per attribute: (at or over the current threshold, at or over the proposed one)."""


def threshold_effect(
    scored: Sequence[Scores],
    current: Mapping[ToxicityAttribute, float],
    proposed: Mapping[ToxicityAttribute, float],
) -> ThresholdEffect:
    """What a change of hold thresholds would have done to comments already scored (the admin
    console shows it before the change is saved)."""
    attributes = list(dict.fromkeys([*current, *proposed]))

    def over(
        scores: Scores, thresholds: Mapping[ToxicityAttribute, float], name: ToxicityAttribute
    ) -> bool:
        return name in thresholds and scores.get(name, 0.0) >= thresholds[name]

    return ThresholdEffect(
        scored=len(scored),
        held_now=sum(first_over(s, current) is not None for s in scored),
        held_proposed=sum(first_over(s, proposed) is not None for s in scored),
        by_attribute={
            name: (
                sum(over(s, current, name) for s in scored),
                sum(over(s, proposed, name) for s in scored),
            )
            for name in attributes
        },
    )


def new_commenter(context: CommentContext, config: PolicyConfig) -> Decision | None:
    if context.author_published_count < config.new_commenter_comments:
        return Decision(CommentStatus.HELD, "new_commenter")
    return None


def premoderated_user(context: CommentContext, config: PolicyConfig) -> Decision | None:
    return (
        Decision(CommentStatus.HELD, "premoderated_user") if context.author_premoderated else None
    )


def premoderated_article(context: CommentContext, config: PolicyConfig) -> Decision | None:
    if context.article_premoderated:
        return Decision(CommentStatus.HELD, "premoderated_article")
    return None


DEFAULT_PHASES: Sequence[Phase] = (
    banned_words,
    suspect_words,
    unscored,
    toxicity,
    new_commenter,
    premoderated_user,
    premoderated_article,
)


def decide(
    context: CommentContext, config: PolicyConfig, phases: Sequence[Phase] = DEFAULT_PHASES
) -> Decision:
    for phase in phases:
        decision = phase(context, config)
        if decision is not None:
            return decision
    return PUBLISHED
