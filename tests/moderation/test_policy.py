import pytest

from moderation.policy import (
    PUBLISHED,
    SCORING_UNAVAILABLE,
    CommentContext,
    Decision,
    PolicyConfig,
    decide,
    threshold_effect,
)
from moderation.statuses import CommentStatus
from moderation.wordlists import WordList

POLICY = PolicyConfig(hold_thresholds={"toxicity": 0.8})


def context(scores: dict[str, float] | None) -> CommentContext:
    return CommentContext(text="a comment", scores=scores)


@pytest.mark.parametrize(
    ("toxicity", "expected"),
    [
        (0.0, PUBLISHED),
        (0.79, PUBLISHED),
        (0.8, Decision(CommentStatus.HELD, "toxic", "toxicity 0.80")),
        (0.99, Decision(CommentStatus.HELD, "toxic", "toxicity 0.99")),
    ],
)
def test_toxicity_at_or_above_the_threshold_is_held(toxicity: float, expected: Decision) -> None:
    assert decide(context({"toxicity": toxicity}), POLICY) == expected


def test_an_unscored_comment_is_held_never_published() -> None:
    assert decide(context(None), POLICY) == SCORING_UNAVAILABLE
    assert SCORING_UNAVAILABLE.status == CommentStatus.HELD


def test_each_configured_attribute_has_its_own_threshold() -> None:
    policy = PolicyConfig(hold_thresholds={"toxicity": 0.8, "threat": 0.5})

    assert decide(context({"toxicity": 0.3, "threat": 0.6}), policy).reason == "toxic"
    assert decide(context({"toxicity": 0.3, "threat": 0.4}), policy) == PUBLISHED


def test_an_attribute_the_model_lacks_does_not_hold() -> None:
    policy = PolicyConfig(hold_thresholds={"toxicity": 0.8, "threat": 0.5})

    assert decide(context({"toxicity": 0.1}), policy) == PUBLISHED


def test_the_first_deciding_phase_wins() -> None:
    def reject_everything(_: CommentContext, __: PolicyConfig) -> Decision:
        return Decision(CommentStatus.REJECTED, "banned_word")

    phases = (reject_everything, lambda c, p: Decision(CommentStatus.HELD, "later"))

    assert decide(context({"toxicity": 0.0}), POLICY, phases).reason == "banned_word"


FULL = PolicyConfig(
    hold_thresholds={"toxicity": 0.8, "threat": 0.5},
    reject_threshold=0.95,
    new_commenter_comments=2,
    banned_words=WordList(["scumbag"]),
    suspect_words=WordList(["traitor"]),
)


def full_context(text: str = "a fair point", toxicity: float | None = 0.1, **facts: object):  # type: ignore[no-untyped-def]
    scores = None if toxicity is None else {"toxicity": toxicity, "threat": 0.0}
    defaults = {"author_published_count": 5}
    return CommentContext(text=text, scores=scores, **{**defaults, **facts})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("context", "reason", "status"),
    [
        (full_context(), "passed_checks", CommentStatus.PUBLISHED),
        (full_context("you scumbag"), "banned_word", CommentStatus.REJECTED),
        (full_context("the traitor"), "suspect_word", CommentStatus.HELD),
        (full_context(toxicity=None), "scoring_unavailable", CommentStatus.HELD),
        (full_context(toxicity=0.85), "toxic", CommentStatus.HELD),
        (full_context(toxicity=0.97), "toxic_auto_rejected", CommentStatus.REJECTED),
        (full_context(author_published_count=1), "new_commenter", CommentStatus.HELD),
        (full_context(author_premoderated=True), "premoderated_user", CommentStatus.HELD),
        (full_context(article_premoderated=True), "premoderated_article", CommentStatus.HELD),
    ],
)
def test_each_phase_alone(context: CommentContext, reason: str, status: CommentStatus) -> None:
    decision = decide(context, FULL)

    assert (decision.reason, decision.status) == (reason, status)


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        # banned words win over everything, even an unavailable model
        (full_context("scumbag traitor", toxicity=None), "banned_word"),
        # suspect words before the model's verdict
        (full_context("traitor", toxicity=0.99), "suspect_word"),
        # word lists work without scores; the model's absence holds the rest
        (full_context(toxicity=None, author_premoderated=True), "scoring_unavailable"),
        # toxicity before pre-moderation
        (full_context(toxicity=0.85, author_published_count=0), "toxic"),
        # new commenter before per-user and per-article pre-moderation
        (
            full_context(author_published_count=0, author_premoderated=True),
            "new_commenter",
        ),
        (
            full_context(author_premoderated=True, article_premoderated=True),
            "premoderated_user",
        ),
    ],
)
def test_the_order_between_phases(context: CommentContext, reason: str) -> None:
    assert decide(context, FULL).reason == reason


def test_auto_reject_is_off_by_default() -> None:
    assert decide(full_context(toxicity=0.999), PolicyConfig()).reason == "toxic"


def test_the_matched_word_is_noted_for_moderators() -> None:
    assert decide(full_context("you scumbag"), FULL).note == "matched 'scumbag'"


def test_a_threshold_change_is_counted_per_attribute_and_in_all() -> None:
    scored = [
        {"toxicity": 0.95, "insult": 0.2},
        {"toxicity": 0.6, "insult": 0.7},
        {"toxicity": 0.1, "insult": 0.1},
        {"toxicity": 0.55},
    ]
    effect = threshold_effect(
        scored, current={"toxicity": 0.8, "insult": 0.8}, proposed={"toxicity": 0.5, "insult": 0.8}
    )
    assert (effect.scored, effect.held_now, effect.held_proposed) == (4, 1, 3)
    assert effect.by_attribute == {"toxicity": (1, 3), "insult": (0, 0)}


def test_an_attribute_without_a_threshold_holds_nothing() -> None:
    effect = threshold_effect([{"threat": 0.99}], current={"toxicity": 0.8}, proposed={})
    assert (effect.held_now, effect.held_proposed) == (0, 0)
    assert effect.by_attribute == {"toxicity": (0, 0)}
