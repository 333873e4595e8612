"""Sanctions without HTTP: who may sanction whom, what each one changes, and the audit."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from auth.models import Role, User, UserStatus
from auth.users import UserNotFound
from service.audit.service import sanction_history
from service.core.db import Database, utcnow
from service.core.errors import Forbidden
from service.users.service import InvalidUntil, Sanction, apply_sanction, lift_sanction
from tests.support.factories import create_user


@pytest.fixture
def people(database: Database) -> dict[str, User]:
    with database.session(writes=True) as session:
        return {
            "reader": create_user(session, "Reader"),
            "moderator": create_user(session, "Moderator", Role.MODERATOR),
            "other moderator": create_user(session, "Other", Role.MODERATOR),
            "admin": create_user(session, "Admin", Role.ADMIN),
        }


def user(database: Database, user_id: int | None) -> User:
    with Session(database.engine) as session:
        found = session.get(User, user_id)
        assert found is not None
        return found


def test_a_suspension_ends_when_it_says_and_is_audited(
    database: Database, people: dict[str, User]
) -> None:
    reader, moderator = people["reader"], people["moderator"]
    assert reader.id is not None
    until = utcnow() + timedelta(days=2)

    with database.session(writes=True) as session:
        apply_sanction(
            session,
            moderator=moderator,
            user_id=reader.id,
            sanction=Sanction.SUSPEND,
            reason="insults",
            until=until,
        )

    suspended = user(database, reader.id)
    assert (suspended.status, suspended.suspended_until) == (UserStatus.SUSPENDED, until)
    with database.session() as session:
        (event,) = sanction_history(session, reader.id)
    assert (event.action, event.actor_id, event.reason) == ("user_suspend", moderator.id, "insults")
    assert event.detail == {"until": until.isoformat()}


def test_a_suspension_in_the_past_is_refused(database: Database, people: dict[str, User]) -> None:
    reader = people["reader"]
    assert reader.id is not None

    with database.session(writes=True) as session, pytest.raises(InvalidUntil):
        apply_sanction(
            session,
            moderator=people["moderator"],
            user_id=reader.id,
            sanction=Sanction.SUSPEND,
            reason="x",
            until=utcnow() - timedelta(minutes=1),
        )


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("moderator", "reader", True),
        ("moderator", "other moderator", False),
        ("moderator", "admin", False),
        ("moderator", "moderator", False),
        ("admin", "moderator", True),
        ("admin", "admin", False),
    ],
)
def test_who_may_sanction_whom(
    database: Database, people: dict[str, User], actor: str, target: str, allowed: bool
) -> None:
    target_id = people[target].id
    assert target_id is not None

    def ban() -> None:
        with database.session(writes=True) as session:
            apply_sanction(
                session,
                moderator=people[actor],
                user_id=target_id,
                sanction=Sanction.BAN,
                reason="x",
            )

    if allowed:
        ban()
        assert user(database, target_id).status == UserStatus.BANNED
    else:
        with pytest.raises(Forbidden):
            ban()
        assert user(database, target_id).status == UserStatus.ACTIVE


def test_lifting_restores_the_reader(database: Database, people: dict[str, User]) -> None:
    reader, moderator = people["reader"], people["moderator"]
    assert reader.id is not None
    with database.session(writes=True) as session:
        for sanction in (Sanction.BAN, Sanction.PREMODERATE):
            apply_sanction(
                session, moderator=moderator, user_id=reader.id, sanction=sanction, reason="x"
            )
    with database.session(writes=True) as session:
        for sanction in (Sanction.BAN, Sanction.PREMODERATE):
            lift_sanction(
                session, moderator=moderator, user_id=reader.id, sanction=sanction, reason="ok"
            )

    lifted = user(database, reader.id)
    assert (lifted.status, lifted.premoderated) == (UserStatus.ACTIVE, False)
    with database.session() as session:
        actions = [event.action for event in sanction_history(session, reader.id)]
    assert actions == ["user_ban", "user_premoderate", "user_ban_lifted", "user_premoderate_lifted"]


def test_lifting_a_suspension_leaves_a_ban_in_place(
    database: Database, people: dict[str, User]
) -> None:
    reader, moderator = people["reader"], people["moderator"]
    assert reader.id is not None
    with database.session(writes=True) as session:
        apply_sanction(
            session, moderator=moderator, user_id=reader.id, sanction=Sanction.BAN, reason="x"
        )
        lift_sanction(
            session, moderator=moderator, user_id=reader.id, sanction=Sanction.SUSPEND, reason="x"
        )

    assert user(database, reader.id).status == UserStatus.BANNED


def test_an_unknown_user_cannot_be_sanctioned(database: Database, people: dict[str, User]) -> None:
    with database.session(writes=True) as session, pytest.raises(UserNotFound):
        apply_sanction(
            session, moderator=people["moderator"], user_id=999, sanction=Sanction.BAN, reason="x"
        )
    with Session(database.engine) as session:
        assert len(session.exec(select(User)).all()) == 4
