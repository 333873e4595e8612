"""The rank of "best first": the lower bound of the share of likes."""

import pytest

from moderation.ranking import wilson_lower_bound


def test_a_few_likes_do_not_beat_many_likes_with_some_dislikes() -> None:
    assert wilson_lower_bound(300, 20) > wilson_lower_bound(3, 0)
    assert wilson_lower_bound(3, 0) == pytest.approx(0.4385, abs=1e-4)
    assert wilson_lower_bound(300, 20) == pytest.approx(0.9054, abs=1e-4)


def test_no_reactions_rank_at_zero_and_dislikes_alone_no_lower() -> None:
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(0, 50) == 0.0


@pytest.mark.parametrize(("likes", "dislikes"), [(1, 0), (10, 3), (200, 199), (7, 70)])
def test_a_like_raises_the_rank_and_a_dislike_lowers_it(likes: int, dislikes: int) -> None:
    rank = wilson_lower_bound(likes, dislikes)

    assert 0.0 <= rank < likes / (likes + dislikes)
    assert wilson_lower_bound(likes + 1, dislikes) > rank
    assert wilson_lower_bound(likes, dislikes + 1) < rank
