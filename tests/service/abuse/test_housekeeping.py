"""The spam checks' keys and counts are forgotten once no window needs them (the retention
sweep's rules, `service.retention`)."""

import asyncio
from datetime import timedelta

from sqlmodel import Session, select

from moderation.statuses import CommentStatus
from service.abuse.models import CommentBand, CommentFingerprint, DailyCount
from service.core.db import Database, utcnow
from service.retention.service import prune
from tests.support.factories import seed_comments
from tests.support.retention import TERMS


def test_old_band_keys_fingerprints_and_counts_are_forgotten(database: Database) -> None:
    author_id, (old, new) = seed_comments(
        database.engine, "old", "new", status=CommentStatus.PUBLISHED
    )
    now = utcnow()
    with database.session(writes=True) as session:
        session.add_all(
            [
                CommentBand(
                    band_key=1,
                    comment_id=old,
                    author_id=author_id,
                    created_at=now - timedelta(days=9),
                ),
                CommentBand(band_key=2, comment_id=new, author_id=author_id, created_at=now),
                CommentFingerprint(
                    author_id=author_id,
                    key="a" * 32,
                    comment_id=old,
                    created_at=now - timedelta(days=32),
                ),
                CommentFingerprint(
                    author_id=author_id, key="b" * 32, comment_id=new, created_at=now
                ),
                DailyCount(
                    user_id=author_id,
                    day=(now - timedelta(days=4)).date().isoformat(),
                    scope="comments",
                    count=3,
                ),
                DailyCount(
                    user_id=author_id, day=now.date().isoformat(), scope="comments", count=1
                ),
            ]
        )

    assert asyncio.run(prune(database, TERMS)) == {
        "spam_band_keys": 1,
        "spam_fingerprints": 1,
        "spam_daily_counts": 1,
    }

    with Session(database.engine) as session:
        assert [b.band_key for b in session.exec(select(CommentBand))] == [2]
        assert [f.key for f in session.exec(select(CommentFingerprint))] == ["b" * 32]
        assert [c.count for c in session.exec(select(DailyCount))] == [1]
