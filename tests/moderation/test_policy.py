import pytest

from moderation.policy import (
    PUBLISHED,
    SCORING_UNAVAILABLE,
    CommentContext,
    Decision,
    PolicyConfig,
    decide,
)
from moderation.statuses import CommentStatus

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
