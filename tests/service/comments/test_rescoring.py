"""Comments held because the model was unavailable are re-scored and decided when it is back:
at start-up and periodically, with the policy of the moment."""

import asyncio
import json
import time

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from moderation.scoring.bounded import BoundedScorer
from service.abuse.models import ExternalCheckCount
from service.abuse.screening import Screening
from service.app import create_app
from service.audit.models import AuditEvent
from service.comments.models import Comment
from service.comments.rescoring import BATCH, CONSULTED_AT_ONCE, rescore_unscored
from service.core.db import Database
from service.core.settings import Settings
from service.policy.service import PolicyStore, default_settings
from tests.support.factories import seed_comments
from tests.support.receiver import Receiver, receiver
from tests.support.scorers import ScriptedScorer

__all__ = ["receiver"]


def seed_unscored(engine: Engine, *bodies: str) -> list[int]:
    _, ids = seed_comments(engine, *bodies, status_reason="scoring_unavailable")
    return ids


def sweep(engine: Engine, scorer: ScriptedScorer, settings: Settings) -> int:
    async def run() -> int:
        scoring = BoundedScorer(scorer, timeout=2.0, max_batch=8, max_wait=0.001)
        scoring.start()
        screening = Screening(zone="UTC", hook_hosts=["127.0.0.1"])
        try:
            policy = PolicyStore(default_settings(settings))
            return await rescore_unscored(
                database=Database(engine), scoring=scoring, policy=policy, screening=screening
            )
        finally:
            await scoring.close()
            await screening.close()

    return asyncio.run(run())


def statuses(engine: Engine) -> dict[int, tuple[str, str | None]]:
    with Session(engine) as session:
        return {
            c.id: (c.status, c.status_reason)
            for c in session.exec(select(Comment)).all()
            if c.id is not None
        }


def test_held_comments_are_decided_once_the_model_is_back(
    engine: Engine, settings: Settings
) -> None:
    civil, toxic = seed_unscored(engine, "fine words", "you idiot")

    assert sweep(engine, ScriptedScorer(), settings) == 2

    assert statuses(engine) == {civil: ("published", "passed_checks"), toxic: ("held", "toxic")}
    with Session(engine) as session:
        actions = session.exec(select(AuditEvent)).all()
        stored = session.get(Comment, civil)
    assert {(a.action, a.from_status, a.actor_id) for a in actions} == {("rescored", "held", None)}
    assert stored is not None
    assert stored.model_id == ScriptedScorer.model_id


def test_while_the_model_is_still_down_nothing_changes(engine: Engine, settings: Settings) -> None:
    scorer = ScriptedScorer()
    scorer.fail = True
    (comment_id,) = seed_unscored(engine, "fine words")

    assert sweep(engine, scorer, settings) == 0

    assert statuses(engine) == {comment_id: ("held", "scoring_unavailable")}
    with Session(engine) as session:
        assert session.exec(select(AuditEvent)).all() == []


def test_the_sweep_applies_the_whole_policy(engine: Engine, settings: Settings) -> None:
    (comment_id,) = seed_unscored(engine, "fine words")
    strict = settings.model_copy(update={"new_commenter_premoderation": 1})

    sweep(engine, ScriptedScorer(), strict)

    assert statuses(engine) == {comment_id: ("held", "new_commenter")}


def test_the_service_sweeps_at_start_up(engine: Engine, settings: Settings) -> None:
    (comment_id,) = seed_unscored(engine, "fine words")

    with TestClient(create_app(settings, scorer=ScriptedScorer())):
        for _ in range(100):
            if statuses(engine)[comment_id][1] != "scoring_unavailable":
                break
            time.sleep(0.05)

    assert statuses(engine) == {comment_id: ("published", "passed_checks")}


def test_the_sweep_pages_through_every_held_comment(engine: Engine, settings: Settings) -> None:
    ids = seed_unscored(engine, *(f"fine words {i}" for i in range(BATCH + 6)))

    assert sweep(engine, ScriptedScorer(), settings) == len(ids)

    assert set(statuses(engine).values()) == {("published", "passed_checks")}


def with_hook(settings: Settings, receiver: Receiver, **extra: object) -> Settings:
    hook = {"url": receiver.url(), "secret": "whsec_sweep-test", "timeout_ms": 2000, **extra}
    defaults = {**settings.moderation_defaults, "external_moderation": hook}
    return settings.model_copy(update={"moderation_defaults": defaults})


def external_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {row.outcome: row.count for row in session.exec(select(ExternalCheckCount))}


def test_the_external_hook_has_the_last_word_on_what_the_sweep_would_publish(
    engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    """A comment held while the model was down does not skip the site's own check."""
    receiver.answers({"action": "hold", "reason": "spam_service", "note": "known sender"})
    civil, toxic = seed_unscored(engine, "fine words", "you idiot")

    assert sweep(engine, ScriptedScorer(), with_hook(settings, receiver)) == 2

    assert statuses(engine) == {civil: ("held", "external"), toxic: ("held", "toxic")}
    assert [json.loads(r.body)["comment"]["body"] for r in receiver.received] == ["fine words"]
    assert external_counts(engine) == {"hold": 1}
    with Session(engine) as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.comment_id == civil)).all()
    assert (event.action, event.reason, event.note) == (
        "rescored",
        "external",
        "spam_service: known sender",
    )


def test_a_hook_that_is_down_holds_what_the_sweep_would_publish(
    engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    receiver.answers({"error": "down"}, status=503)
    ids = seed_unscored(engine, *(f"fine words {i}" for i in range(CONSULTED_AT_ONCE + 3)))

    assert sweep(engine, ScriptedScorer(), with_hook(settings, receiver)) == len(ids)

    assert set(statuses(engine).values()) == {("held", "external_unavailable")}
    assert len(receiver.received) == len(ids)
    assert external_counts(engine) == {"failed_held": len(ids)}


def test_a_hook_that_passes_on_failure_lets_the_sweep_publish(
    engine: Engine, settings: Settings, receiver: Receiver
) -> None:
    receiver.answers({"error": "down"}, status=503)
    (comment_id,) = seed_unscored(engine, "fine words")

    sweep(engine, ScriptedScorer(), with_hook(settings, receiver, on_failure="pass"))

    assert statuses(engine) == {comment_id: ("published", "passed_checks")}
    assert external_counts(engine) == {"failed_passed": 1}
