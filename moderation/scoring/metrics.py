"""How well a scorer tells toxic from civil texts: the figures `make evaluate` and
`make train-korean` print."""

from collections.abc import Sequence
from dataclasses import dataclass

from moderation.scoring.scorers import Scorer


@dataclass(frozen=True)
class Measured:
    texts: int
    toxic: int
    roc_auc: float | None
    """None when every text has the same label (the Civil Comments spans set nearly does)."""
    precision: float
    """Of the texts scored at or above the threshold (held), the share labelled toxic."""
    recall: float
    """Of the texts labelled toxic, the share held."""


def measure(
    scorer: Scorer, texts: Sequence[str], toxic: Sequence[bool], threshold: float
) -> Measured:
    """`toxicity` of every text in one batch, against its label."""
    from sklearn.metrics import roc_auc_score

    scores = [scores["toxicity"] for scores in scorer.score_batch(texts)]
    held = [score >= threshold for score in scores]
    held_toxic = sum(h and t for h, t in zip(held, toxic, strict=True))
    labelled = sum(toxic)
    return Measured(
        texts=len(texts),
        toxic=labelled,
        roc_auc=float(roc_auc_score(toxic, scores)) if 0 < labelled < len(texts) else None,
        precision=held_toxic / max(1, sum(held)),
        recall=held_toxic / max(1, labelled),
    )
