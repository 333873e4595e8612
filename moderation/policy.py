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
    for attribute, threshold in config.hold_thresholds.items():
        if scores.get(attribute, 0.0) >= threshold:
            return Decision(CommentStatus.HELD, "toxic", f"{attribute} {scores[attribute]:.2f}")
    return None


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
