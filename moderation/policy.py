"""The publish/hold/reject decision, as ordered phases (Coral Talk's pipeline is the model): the
first phase that decides wins, and every decision names its reason.

The checks that refuse a comment outright (its text, a closed article, a banned author) happen
before this, in the service; these phases decide what happens to a comment that is accepted.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from moderation.links import Link, domain_listed
from moderation.scoring.scorers import Scores, ToxicityAttribute
from moderation.statuses import CommentStatus
from moderation.wordlists import WordList


@dataclass(frozen=True)
class Decision:
    status: CommentStatus
    reason: str
    note: str | None = None


@dataclass(frozen=True)
class History:
    """An author's comments decided over the last days: published, and rejected or removed."""

    decided: int
    rejected: int

    @property
    def published(self) -> int:
        return self.decided - self.rejected

    @property
    def rejected_rate(self) -> float:
        return self.rejected / self.decided if self.decided else 0.0


@dataclass(frozen=True)
class CommentContext:
    text: str
    scores: Scores | None
    author_published_count: int = 0
    """How many of the author's earlier comments are published (new-commenter pre-moderation)."""
    author_premoderated: bool = False
    article_premoderated: bool = False
    links: Sequence[Link] = ()
    """The links found in the text (`moderation.links.find_links`)."""
    author_history: History | None = None
    """The author's decided comments over the history window; None when the phase is off."""


LinkAction = Literal["allow", "hold", "hold_for_new_commenters", "reject"]


@dataclass(frozen=True)
class LinkRule:
    action: LinkAction = "hold_for_new_commenters"
    allow_domains: Sequence[str] = ()
    """The newsroom's own sites: never held for a link."""
    deny_domains: Sequence[str] = ()
    """Rejected at once (`link_denied`), whoever posts."""
    trusted_after: int = 3
    """With `hold_for_new_commenters`: published comments after which links are not held."""


@dataclass(frozen=True)
class HistoryRule:
    days: int = 30
    min_decided: int = 5
    rejected_rate: float = 0.3


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
    links: LinkRule = field(default_factory=LinkRule)
    history: HistoryRule | None = field(default_factory=HistoryRule)
    """Hold the comments of an author whose recent comments are often rejected; None: off."""

    @property
    def published_needed(self) -> int:
        """How many of an author's published comments the phases ask about (counted no
        further: a prolific author's history is not scanned on every post)."""
        links = self.links.trusted_after if self.links.action == "hold_for_new_commenters" else 0
        return max(self.new_commenter_comments, links)


Phase = Callable[[CommentContext, PolicyConfig], Decision | None]

SCORING_UNAVAILABLE = Decision(CommentStatus.HELD, "scoring_unavailable")
TOXIC = Decision(CommentStatus.HELD, "toxic")
PUBLISHED = Decision(CommentStatus.PUBLISHED, "passed_checks")


def banned_words(context: CommentContext, config: PolicyConfig) -> Decision | None:
    word = config.banned_words.find(context.text)
    return Decision(CommentStatus.REJECTED, "banned_word", f"matched {word!r}") if word else None


def _unlisted(context: CommentContext, listed: Sequence[str]) -> list[Link]:
    return [link for link in context.links if not domain_listed(link.domain, listed)]


def denied_links(context: CommentContext, config: PolicyConfig) -> Decision | None:
    """A link to a denied domain rejects the comment whoever writes it."""
    deny = config.links.deny_domains
    denied = [link for link in context.links if domain_listed(link.domain, deny)]
    if denied:
        return Decision(CommentStatus.REJECTED, "link_denied", _named(denied))
    return None


def rejected_links(context: CommentContext, config: PolicyConfig) -> Decision | None:
    """With the `reject` action, any link not on the allow-list rejects the comment."""
    if config.links.action != "reject":
        return None
    found = _unlisted(context, config.links.allow_domains)
    return Decision(CommentStatus.REJECTED, "link", _named(found)) if found else None


def held_links(context: CommentContext, config: PolicyConfig) -> Decision | None:
    """Holds a comment with a link not on the allow-list (for new commenters only, by
    default: a spammer's account is new; a regular citing a source is not)."""
    rule = config.links
    if rule.action == "hold_for_new_commenters":
        if context.author_published_count >= rule.trusted_after:
            return None
    elif rule.action != "hold":
        return None
    found = _unlisted(context, rule.allow_domains)
    return Decision(CommentStatus.HELD, "link", _named(found)) if found else None


def _named(links: Sequence[Link]) -> str:
    """The held comment names its links (the console shows them)."""
    return "links: " + ", ".join(link.domain for link in links)


def history(context: CommentContext, config: PolicyConfig) -> Decision | None:
    """Coral's recent-history phase: an author whose decided comments are rejected too often
    is held until moderators have published enough to bring the rate down."""
    rule, past = config.history, context.author_history
    if rule is None or past is None or past.decided < rule.min_decided:
        return None
    if past.rejected_rate >= rule.rejected_rate:
        note = f"{past.rejected} of {past.decided} rejected in {rule.days} days"
        return Decision(CommentStatus.HELD, "history", note)
    return None


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
    denied_links,
    rejected_links,
    suspect_words,
    unscored,
    toxicity,
    held_links,
    history,
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
