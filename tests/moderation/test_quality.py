"""Moderators' moves as labels, and the figures a model is judged by."""

import random

import pytest
from sklearn.metrics import roc_auc_score

from moderation.quality import (
    THRESHOLD_STEPS,
    Judged,
    LabelKind,
    agreement,
    held_by,
    label_of,
    quality,
    rank_score,
    roc_auc,
)
from moderation.statuses import CommentStatus as S


@pytest.mark.parametrize(
    ("from_status", "to_status", "reason", "open_reports", "expected"),
    [
        (S.HELD, S.PUBLISHED, "approved", 0, (LabelKind.HELD_APPROVED, False, False)),
        (S.HELD, S.REJECTED, "offensive", 0, (LabelKind.HELD_REJECTED, True, False)),
        (S.PUBLISHED, S.REJECTED, "hate_speech", 2, (LabelKind.REMOVED, True, True)),
        (S.PUBLISHED, S.REJECTED, "other", 0, (LabelKind.REMOVED, True, True)),
        (S.BLOCKED, S.REJECTED, "legal_notice", 0, (LabelKind.REMOVED, True, True)),
        (S.PUBLISHED, S.PUBLISHED, "approved", 1, (LabelKind.REPORT_DISMISSED, False, False)),
        (S.REJECTED, S.PUBLISHED, "appeal_reversed", 0, (LabelKind.RESTORED, False, False)),
        (S.BLOCKED, S.PUBLISHED, "notice_restored", 0, (LabelKind.RESTORED, False, False)),
    ],
)
def test_a_moderators_move_is_a_label(
    from_status: S,
    to_status: S,
    reason: str,
    open_reports: int,
    expected: tuple[LabelKind, bool, bool],
) -> None:
    label = label_of(from_status, to_status, reason=reason, open_reports=open_reports)
    assert label is not None
    assert (label.kind, label.abusive, label.missed) == expected


@pytest.mark.parametrize(
    ("from_status", "to_status", "reason", "open_reports"),
    [
        (S.HELD, S.REJECTED, "spam", 0),
        (S.PUBLISHED, S.REJECTED, "off_topic", 3),
        (S.PUBLISHED, S.DELETED, "deleted_by_moderator", 0),
        (S.PUBLISHED, S.BLOCKED, "temporary_measure", 0),
        (S.PUBLISHED, S.PUBLISHED, "approved", 0),
        (S.PENDING, S.PUBLISHED, "passed_checks", 0),
    ],
)
def test_a_move_that_says_nothing_of_abuse_is_no_label(
    from_status: S, to_status: S, reason: str, open_reports: int
) -> None:
    assert label_of(from_status, to_status, reason=reason, open_reports=open_reports) is None


def test_roc_auc_matches_scikit_learn_with_ties_to_1e_9() -> None:
    rng = random.Random(11)  # noqa: S311 - reproducible test data, not secrets
    for _ in range(20):
        size = rng.randint(2, 200)
        values = [rng.choice([0.1, 0.25, 0.5, 0.75, 0.9, rng.random()]) for _ in range(size)]
        labels = [rng.random() < 0.4 for _ in range(size)]
        if len(set(labels)) < 2:
            assert roc_auc(values, labels) is None
            continue
        assert roc_auc(values, labels) == pytest.approx(roc_auc_score(labels, values), abs=1e-9)


def test_the_ranking_score_is_the_highest_watched_attribute() -> None:
    scores = {"toxicity": 0.2, "threat": 0.7, "obscene": 0.9}
    assert rank_score(scores, {"toxicity": 0.8, "threat": 0.5}) == 0.7
    assert rank_score(scores, {}) == 0.9
    assert held_by(scores, {"toxicity": 0.8, "threat": 0.5})
    assert not held_by(scores, {"toxicity": 0.8})


def test_agreement_leaves_undefined_shares_null() -> None:
    nothing_held = agreement([False, False], [True, False])
    assert (nothing_held.held, nothing_held.precision, nothing_held.recall) == (0, None, 0.0)
    none_abusive = agreement([True, False], [False, False])
    assert (none_abusive.precision, none_abusive.recall) == (0.0, None)


def test_quality_applies_the_thresholds_in_force_and_each_step() -> None:
    judged = [
        Judged({"toxicity": 0.9}, abusive=True),
        Judged({"toxicity": 0.6, "threat": 0.85}, abusive=True),
        Judged({"toxicity": 0.82}, abusive=False),
        Judged({"toxicity": 0.1}, abusive=False),
    ]
    measured = quality(judged, {"toxicity": 0.8, "threat": 0.8})
    assert (measured.labelled, measured.abusive) == (4, 2)
    assert (measured.in_force.held, measured.in_force.precision) == (3, 2 / 3)
    assert measured.in_force.recall == 1.0
    assert [step for step, _ in measured.by_threshold] == list(THRESHOLD_STEPS)
    at_085 = dict(measured.by_threshold)[0.85]
    assert (at_085.held, at_085.precision, at_085.recall) == (2, 1.0, 1.0)
    assert measured.roc_auc == 1.0
