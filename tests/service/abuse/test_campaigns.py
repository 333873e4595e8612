"""Coordinated campaigns through the API: near-duplicates from three or more accounts within
the window are all held, the earlier ones taken back, even when posted at the same moment,
and a moderator ends the campaign in one action."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from auth.models import User, UserStatus
from moderation.scoring.scorers import Scorer
from service.abuse.models import CampaignComment
from service.audit.models import AuditEvent
from service.comments.models import Comment
from service.core.settings import Settings
from tests.support.factories import SignedIn, post, sign_in
from tests.support.scorers import ScriptedScorer

PITCH = "Tired of fake news? Our channel tells the truth, join {n} patriots today {emoji}"
EMOJI = ["🔥", "👍", "🇰🇷", "", "💯", "✅", "🙏", "⭐"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"moderation_defaults": {}})


@pytest.fixture
def scorer(scripted_scorer: ScriptedScorer) -> Scorer:
    return scripted_scorer


def pitch(n: int) -> str:
    return PITCH.format(n=1000 + 37 * n, emoji=EMOJI[n % len(EMOJI)])


def accounts(engine: Engine, count: int) -> list[SignedIn]:
    return [sign_in(engine, f"Fresh account {n}") for n in range(count)]


def statuses(engine: Engine) -> dict[int, tuple[str, str | None]]:
    with Session(engine) as session:
        return {c.id or 0: (c.status, c.status_reason) for c in session.exec(select(Comment)).all()}


def test_the_third_account_holds_the_campaign_and_takes_the_first_two_back(
    client: TestClient, engine: Engine, moderator: SignedIn
) -> None:
    first, second, third = accounts(engine, 3)
    ids = [
        post(client, who, pitch(n), article=f"article-{n}").json()
        for n, who in enumerate((first, second))
    ]
    assert [c["status"] for c in ids] == ["published", "published"]

    answer = post(client, third, pitch(2), article="article-2").json()

    assert (answer["status"], answer["status_reason"]) == ("held", "coordinated")
    assert set(statuses(engine).values()) == {("held", "coordinated")}
    with Session(engine) as session:
        taken_back = session.exec(
            select(AuditEvent).where(AuditEvent.action == "campaign_held")
        ).all()
    assert sorted(e.comment_id or 0 for e in taken_back) == sorted(c["id"] for c in ids)
    [card] = client.get("/v1/admin/campaigns", headers=moderator.headers).json()["items"]
    assert card["comment_count"] == card["up_count"] == 3
    assert {a["id"] for a in card["accounts"]} == {first.id, second.id, third.id}
    assert sorted(card["articles"]) == ["article-0", "article-1", "article-2"]
    queue = client.get("/v1/admin/queue?status=held", headers=moderator.headers).json()
    assert len(queue["items"]) == 3


def test_two_accounts_and_different_texts_are_not_a_campaign(
    client: TestClient, engine: Engine
) -> None:
    first, second, third = accounts(engine, 3)
    assert post(client, first, pitch(0)).json()["status"] == "published"
    assert post(client, second, pitch(1), article="b").json()["status"] == "published"
    assert post(client, second, pitch(2), article="c").json()["status"] == "published"
    other = "The minister's answer on housing prices was vague and evasive, as usual."
    assert post(client, third, other).json()["status"] == "published"


def test_a_campaign_posted_all_at_once_is_held_whole(
    client: TestClient, engine: Engine, moderator: SignedIn
) -> None:
    """Eight accounts post at the same moment: whatever order their transactions commit in,
    no comment escapes the hold."""
    posters = accounts(engine, 8)
    start = threading.Barrier(len(posters))

    def send(n: int) -> int:
        start.wait()
        return post(client, posters[n], pitch(n), article=f"article-{n % 3}").status_code

    with ThreadPoolExecutor(max_workers=len(posters)) as pool:
        codes = list(pool.map(send, range(len(posters))))

    assert codes == [201] * len(posters)
    assert set(statuses(engine).values()) == {("held", "coordinated")}
    with Session(engine) as session:
        filed = session.exec(select(CampaignComment.campaign_id)).all()
    assert len(filed) == len(posters)
    assert len(set(filed)) == 1


def test_reject_all_and_ban_ends_the_campaign(
    client: TestClient, engine: Engine, moderator: SignedIn
) -> None:
    posters = accounts(engine, 3)
    for n, who in enumerate(posters):
        post(client, who, pitch(n), article=f"article-{n}")
    [card] = client.get("/v1/admin/campaigns", headers=moderator.headers).json()["items"]

    ended = client.post(
        f"/v1/admin/campaigns/{card['id']}/reject-and-ban",
        json={"note": "Coordinated channel promotion."},
        headers=moderator.headers,
    )

    assert ended.status_code == 200, ended.text
    assert [c["status"] for c in ended.json()["comments"]] == ["rejected"] * 3
    assert all(a["ok"] for a in ended.json()["accounts"])
    assert set(statuses(engine).values()) == {("rejected", "spam")}
    with Session(engine) as session:
        banned = session.exec(
            select(User.status).where(col(User.id).in_([p.id for p in posters]))
        ).all()
    assert set(banned) == {UserStatus.BANNED}
    assert client.get("/v1/admin/campaigns", headers=moderator.headers).json()["items"] == []
    resolved = client.get("/v1/admin/campaigns?resolved=true", headers=moderator.headers)
    assert [c["id"] for c in resolved.json()["items"]] == [card["id"]]


def test_a_moderator_cannot_ban_an_admin_in_a_campaign(
    client: TestClient, engine: Engine, moderator: SignedIn, admin: SignedIn
) -> None:
    posters = [*accounts(engine, 2), admin]
    for n, who in enumerate(posters):
        post(client, who, pitch(n), article=f"article-{n}")
    [card] = client.get("/v1/admin/campaigns", headers=moderator.headers).json()["items"]

    ended = client.post(
        f"/v1/admin/campaigns/{card['id']}/reject-and-ban", json={}, headers=moderator.headers
    ).json()

    refused = [a for a in ended["accounts"] if not a["ok"]]
    assert [(a["user_id"], a["error"]) for a in refused] == [(admin.id, "forbidden")]


def test_campaigns_are_for_moderators(client: TestClient, reader: SignedIn) -> None:
    assert client.get("/v1/admin/campaigns", headers=reader.headers).status_code == 403
    missing = client.post("/v1/admin/campaigns/99/reject-and-ban", json={}, headers=reader.headers)
    assert missing.status_code == 403


def test_short_common_reactions_are_never_a_campaign(client: TestClient, engine: Engine) -> None:
    for n, who in enumerate(accounts(engine, 4)):
        answer = post(client, who, ["Great article!", "great article", "Great article 👍"][n % 3])
        assert answer.json()["status"] == "published"


def test_comments_edited_into_a_campaign_are_held(client: TestClient, engine: Engine) -> None:
    """Posting harmless texts and editing them into the same pitch does not slip past."""
    posters = accounts(engine, 3)
    ids = [
        post(client, who, f"My own view on story {n}: the council acted too late.").json()["id"]
        for n, who in enumerate(posters)
    ]
    for n, (who, comment_id) in enumerate(zip(posters, ids, strict=True)):
        edited = client.patch(
            f"/v1/comments/{comment_id}", json={"body": pitch(n)}, headers=who.headers
        )
        assert edited.status_code == 200, edited.text

    assert set(statuses(engine).values()) == {("held", "coordinated")}


def test_reject_and_ban_reaches_comments_beyond_the_card(
    client: TestClient, engine: Engine, moderator: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.campaigns.service.SHOWN_COMMENTS", 2)
    posters = accounts(engine, 4)
    for n, who in enumerate(posters):
        post(client, who, pitch(n), article=f"article-{n}")
    [card] = client.get("/v1/admin/campaigns", headers=moderator.headers).json()["items"]
    assert (len(card["comments"]), card["comment_count"]) == (2, 4)

    ended = client.post(
        f"/v1/admin/campaigns/{card['id']}/reject-and-ban", json={}, headers=moderator.headers
    ).json()

    assert len(ended["comments"]) == 4
    assert len(ended["accounts"]) == 4
    assert set(statuses(engine).values()) == {("rejected", "spam")}
