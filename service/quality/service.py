"""The model-quality report: per model and language, how the scores of the labelled comments
(`comments.labels`) agree with the moderators, read off the labels' index (no model runs); and
the labelled comments as training data."""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import tuple_
from sqlmodel import Session, col, select

from moderation.quality import Judged, Quality, held_by, quality, rank_score
from moderation.statuses import CommentStatus
from service.comments.labels import CommentLabel
from service.comments.models import Comment
from service.quality.models import ShadowScore

MISSES_LISTED = 20


@dataclass(frozen=True)
class Miss:
    """A comment the model in use published and moderators later removed, as this model
    scored it."""

    comment_id: int
    score: float
    held: bool
    """This model's scores would have held it under the thresholds in force."""


@dataclass(frozen=True)
class ModelReport:
    model_id: str
    role: str
    """`served`: the model that decided these comments; `shadow`: one scoring beside it."""
    language: str
    quality: Quality
    misses: int
    misses_held: int
    lowest_misses: list[Miss]
    """The misses it scored lowest first, at most `MISSES_LISTED`."""
    served_on_same: Quality | None
    """For a shadow: the served models' figures on the very comments it scored."""


@dataclass(frozen=True)
class _Labelled:
    comment_id: int
    scores: Mapping[str, float]
    abusive: bool
    missed: bool


def model_quality(
    session: Session, *, start: datetime, end: datetime, thresholds: Mapping[str, float]
) -> list[ModelReport]:
    """Comments decided in [start, end), grouped by the model that scored them (as stored with
    the decision) and language, then again by each shadow model that scored them too."""
    in_period = (col(CommentLabel.decided_at) >= start, col(CommentLabel.decided_at) < end)
    served: dict[tuple[str, str], list[_Labelled]] = defaultdict(list)
    by_comment: dict[int, _Labelled] = {}
    for label in session.exec(select(CommentLabel).where(*in_period)):
        item = _Labelled(label.comment_id, label.scores, label.abusive, label.missed)
        served[(label.model_id, label.language)].append(item)
        by_comment[label.comment_id] = item
    shadowed: dict[tuple[str, str], list[tuple[_Labelled, _Labelled]]] = defaultdict(list)
    rows = session.exec(
        select(ShadowScore, CommentLabel.language, CommentLabel.model_id)
        .join(CommentLabel, col(CommentLabel.comment_id) == col(ShadowScore.comment_id))
        .where(*in_period)
    )
    for shadow, language, served_by in rows:
        if shadow.model_id == served_by:
            continue  # the served model itself (Korean text routed as it was): nothing to compare
        decided = by_comment[shadow.comment_id]
        shadow_item = _Labelled(shadow.comment_id, shadow.scores, decided.abusive, decided.missed)
        shadowed[(shadow.model_id, language)].append((shadow_item, decided))
    reports = [
        _report(model_id, "served", language, items, thresholds, served_on_same=None)
        for (model_id, language), items in sorted(served.items())
    ]
    for (model_id, language), pairs in sorted(shadowed.items()):
        same = quality([_judged(decided) for _, decided in pairs], thresholds)
        shadow_items = [shadow for shadow, _ in pairs]
        reports.append(_report(model_id, "shadow", language, shadow_items, thresholds, same))
    return reports


def _judged(item: _Labelled) -> Judged:
    return Judged(item.scores, item.abusive)


def _report(
    model_id: str,
    role: str,
    language: str,
    items: list[_Labelled],
    thresholds: Mapping[str, float],
    served_on_same: Quality | None,
) -> ModelReport:
    misses = sorted(
        (
            Miss(
                item.comment_id,
                round(rank_score(item.scores, thresholds), 6),
                held_by(item.scores, thresholds),
            )
            for item in items
            if item.missed
        ),
        key=lambda miss: (miss.score, miss.comment_id),
    )
    return ModelReport(
        model_id=model_id,
        role=role,
        language=language,
        quality=quality([_judged(item) for item in items], thresholds),
        misses=len(misses),
        misses_held=sum(miss.held for miss in misses),
        lowest_misses=misses[:MISSES_LISTED],
        served_on_same=served_on_same,
    )


LABEL_PAGE = 500
"""Labels read per statement: a page at a time, each a statement the database watchdog sees
(a server-side cursor's fetches would wait on the server unwatched)."""


def labelled_comments(session: Session, *, since: datetime) -> Iterator[dict[str, Any]]:
    """Every comment decided since `since`, oldest decision first, as a line of training data;
    a comment its author deleted is left out (its text is no longer theirs to give)."""
    after: tuple[datetime, int] | None = None
    while True:
        query = (
            select(CommentLabel, Comment.body)
            .join(Comment, col(Comment.id) == col(CommentLabel.comment_id))
            .where(
                col(CommentLabel.decided_at) >= since,
                col(Comment.status) != CommentStatus.DELETED,
            )
            .order_by(col(CommentLabel.decided_at), col(CommentLabel.comment_id))
            .limit(LABEL_PAGE)
        )
        if after is not None:
            query = query.where(
                tuple_(col(CommentLabel.decided_at), col(CommentLabel.comment_id)) > tuple_(*after)
            )
        rows = session.exec(query).all()
        for label, body in rows:
            yield {
                "comment_id": label.comment_id,
                "text": body,
                "scores": label.scores,
                "model_id": label.model_id,
                "language": label.language,
                "decision": label.kind,
                "abusive": label.abusive,
                "decided_at": label.decided_at.isoformat(),
            }
        if len(rows) < LABEL_PAGE:
            return
        last = rows[-1][0]
        after = (last.decided_at, last.comment_id)
