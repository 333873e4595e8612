"""The policy store without HTTP: one snapshot per version, shared by replicas, changes
validated and audited."""

import pytest
from sqlmodel import Session, select

from service.audit.models import AuditEvent
from service.core.db import Database
from service.core.errors import Unprocessable
from service.core.settings import Settings
from service.policy.service import InvalidWord, PolicyStore, WordNotFound, default_settings


@pytest.fixture
def store(settings: Settings) -> PolicyStore:
    return PolicyStore(default_settings(settings))


def test_the_defaults_come_from_the_environment(settings: Settings, database: Database) -> None:
    strict = settings.model_copy(update={"hold_threshold": 0.6, "hold_thresholds": {"threat": 0.3}})
    store = PolicyStore(default_settings(strict))

    with database.session() as session:
        snapshot = store.current(session)

    assert snapshot.version == 0
    assert snapshot.settings.hold_thresholds["toxicity"] == 0.6
    assert snapshot.settings.hold_thresholds["threat"] == 0.3
    assert snapshot.words == {"banned": [], "suspect": []}


def test_one_snapshot_per_version(store: PolicyStore, database: Database) -> None:
    with database.session() as session:
        first = store.current(session)
        again = store.current(session)
    with database.session(writes=True) as session:
        store.add_words(session, actor_id=None, list_name="banned", words=["scumbag"])
    with database.session() as session:
        changed = store.current(session)

    assert again is first
    assert changed.version == first.version + 1
    assert changed.policy.banned_words.find("what a scumbag") == "scumbag"


def test_a_change_on_one_replica_reaches_another(
    store: PolicyStore, settings: Settings, database: Database
) -> None:
    other_replica = PolicyStore(default_settings(settings))
    with database.session(writes=True) as session:
        assert other_replica.current(session).settings.nudge is True
        store.update_settings(session, actor_id=None, changes={"nudge": False})

    with database.session() as session:
        assert other_replica.current(session).settings.nudge is False


def test_another_replica_trusts_what_it_read_for_its_freshness_window(
    store: PolicyStore, settings: Settings, database: Database
) -> None:
    now = [100.0]
    other_replica = PolicyStore(default_settings(settings), freshness=0.5, clock=lambda: now[0])
    with database.session(writes=True) as session:
        assert other_replica.current(session).settings.nudge is True
        store.update_settings(session, actor_id=None, changes={"nudge": False})

    with database.session() as session:
        within = other_replica.current(session).settings.nudge
        now[0] += 0.5
        after = other_replica.current(session).settings.nudge

    assert (within, after) == (True, False)


def test_an_update_is_validated_as_a_whole_and_says_why_in_one_line(
    store: PolicyStore, database: Database
) -> None:
    with database.session(writes=True) as session, pytest.raises(Unprocessable) as refused:
        store.update_settings(session, actor_id=None, changes={"auto_reject_threshold": 0.5})

    assert refused.value.code == "conflicting_settings"
    assert refused.value.detail == (
        "Value error, auto_reject_threshold must be above every hold threshold"
    )
    assert "pydantic" not in refused.value.detail


def test_changes_are_audited_with_before_and_after(store: PolicyStore, database: Database) -> None:
    with database.session(writes=True) as session:
        store.update_settings(session, actor_id=None, changes={"new_commenter_premoderation": 2})
        store.add_words(session, actor_id=None, list_name="suspect", words=["traitor"])
        store.remove_word(session, actor_id=None, list_name="suspect", word="TRAITOR")

    with Session(database.engine) as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    assert [e.action for e in events] == [
        "settings_changed",
        "suspect_words_added",
        "suspect_word_removed",
    ]
    assert events[0].detail is not None
    assert events[0].detail["before"]["new_commenter_premoderation"] == 0
    assert events[0].detail["after"]["new_commenter_premoderation"] == 2


def test_words_are_normalised_and_listed_once(store: PolicyStore, database: Database) -> None:
    with database.session(writes=True) as session:
        listed, added = store.add_words(
            session, actor_id=None, list_name="banned", words=["Scumbag", " scumbag ", "Go  Die"]
        )
        again, added_again = store.add_words(
            session, actor_id=None, list_name="banned", words=["SCUMBAG"]
        )

    assert listed == added == ["scumbag", "go die"]
    assert (again, added_again) == (["scumbag", "go die"], [])


def test_bad_words_and_missing_words_are_refused(store: PolicyStore, database: Database) -> None:
    with database.session(writes=True) as session:
        with pytest.raises(InvalidWord):
            store.add_words(session, actor_id=None, list_name="banned", words=["!!!"])
        with pytest.raises(WordNotFound):
            store.remove_word(session, actor_id=None, list_name="banned", word="nothing")
