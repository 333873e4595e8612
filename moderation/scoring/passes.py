"""Forward passes without waste: a transformer pads every text of a pass to the longest one, and
on a CPU its cost grows with the padded tokens, so a 250-character comment in a pass of short
ones makes them all as dear as itself. Texts are sorted by token length and cut into passes of
similar length instead."""

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

Result = TypeVar("Result")

MAX_TOKENS_PER_PASS = 4096
"""Padded tokens in one forward pass (texts x the longest of them): 32 comments of 128 tokens."""
MAX_PADDING = 0.1
"""The share of a pass's tokens that may be padding. Measured at BERT-base size on 2 cores
(`make benchmark`): a pass of 16 costs ~0.7x per token what a pass of one does, so merging
helps only while padding stays under a few tenths; 0.1 scored fastest."""


def length_groups(
    lengths: Sequence[int],
    *,
    max_tokens: int = MAX_TOKENS_PER_PASS,
    max_padding: float = MAX_PADDING,
) -> list[list[int]]:
    """The texts' indices in passes: shortest first, each pass's padded size (its count times its
    longest) within `max_tokens` and at most `max_padding` of it padding. A text longer than
    `max_tokens` goes alone."""
    groups: list[list[int]] = []
    current: list[int] = []
    tokens = 0
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        length = lengths[index]
        padded = (len(current) + 1) * length
        if current and (padded > max_tokens or padded - tokens - length > max_padding * padded):
            groups.append(current)
            current, tokens = [], 0
        current.append(index)
        tokens += length
    if current:
        groups.append(current)
    return groups


def in_passes(
    lengths: Sequence[int],
    score_pass: Callable[[list[int]], list[Result]],
    *,
    run: Callable[
        [Callable[[list[int]], list[Result]], list[list[int]]], Iterable[list[Result]]
    ] = map,
    max_tokens: int = MAX_TOKENS_PER_PASS,
    max_padding: float = MAX_PADDING,
) -> list[Result]:
    """Every text's result, in order, from `score_pass` over each group of `length_groups`
    (the text indices of one pass). `run` maps the passes (an executor's `map` runs them side by
    side); the largest start first, so side-by-side passes finish together."""
    groups = length_groups(lengths, max_tokens=max_tokens, max_padding=max_padding)
    groups.sort(key=lambda group: len(group) * lengths[group[-1]], reverse=True)
    by_index: dict[int, Result] = {}
    for group, group_results in zip(groups, run(score_pass, groups), strict=True):
        by_index.update(zip(group, group_results, strict=True))
    return [by_index[index] for index in range(len(lengths))]
