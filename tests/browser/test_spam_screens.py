"""The spam checks' screens in a real browser: a campaign's card (in English and Korean) and
its one action, the reasons a spam check gives in the queue, the settings page's spam-check
forms and the external hook's record, the user drawer's rejection rate and daily caps, and the
comment box's words for the new refusals.

These tests run with the product's spam checks on (the other browser tests turn them off), and
arrange their data through the API, or the database where only time can make it (an account's
age, a record of decided comments).
"""

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.models import User
from moderation.statuses import CommentStatus
from service.abuse.models import ExternalCheckCount
from service.articles.service import register_article
from service.comments.models import Comment
from service.comments.tallies import count_new
from service.core.db import utcnow
from service.core.settings import Settings
from tests.browser import test_screens
from tests.browser.test_screens import ARTICLE_ID, Newsroom, PageErrors, console_page
from tests.support.factories import SignedIn, sign_in
from tests.support.served import Served
from tests.support.stalled import unused_port

OTHER_ARTICLE = "AEN20261127000400315"

newsroom = test_screens.newsroom
"""The news page, the service and the fake X of test_screens.py, over this module's settings."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The product's spam checks (caps of 20 comments, 40 replies and 3 on one article a day,
    links held from new commenters, repeats and campaigns caught, the history check on), and a
    local external hook allowed."""
    return settings.model_copy(
        update={"moderation_defaults": {}, "webhook_allowed_hosts": ["127.0.0.1"]}
    )


def calls(browser: Any) -> Any:
    """A request context of its own, with no cookies: calls carry a token."""
    return browser.new_context().request


def post(
    api: Any, newsroom: Newsroom, who: SignedIn, body: str, article: str = ARTICLE_ID
) -> dict[str, Any]:
    response = api.post(
        f"{newsroom.api}/v1/articles/{article}/comments", headers=who.headers, data={"body": body}
    )
    assert response.status == 201, response.text()
    answer: dict[str, Any] = response.json()
    return answer


def age_account(engine: Engine, user_id: int, age: timedelta) -> None:
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        user.created_at = utcnow() - age
        session.add(user)
        session.commit()


def sign_in_box(page: Any, url: str, language: str = "en") -> Any:
    """The comment box on the news page, signed in through the fake X (Kim Min-jun)."""
    page.goto(url)
    box = page.locator("commentmod-thread")
    box.get_by_role(
        "link", name="X(트위터)로 로그인" if language == "ko" else "Log in with X (Twitter)"
    ).click()
    page.wait_for_url(url)
    return box


def post_in_box(box: Any, text: str, language: str = "en") -> None:
    box.get_by_role("textbox", name="댓글" if language == "ko" else "Comment").fill(text)
    box.get_by_role("button", name="게시" if language == "ko" else "Post", exact=True).click()


CAMPAIGN = (
    "Candidate Park is the only honest choice in this election, vote for him!",
    "Candidate Park is the only honest choice in this election. Vote for him!!",
    "candidate park is the only honest choice in this election - vote for him",
)


def test_a_campaign_is_one_card_in_english_and_korean_and_ends_in_one_action(
    newsroom: Newsroom,
    browser: Any,
    engine: Engine,
    moderator: SignedIn,
    artefacts: Path,
) -> None:
    api = calls(browser)
    accounts = [sign_in(engine, name) for name in ("Voter One", "Voter Two", "Voter Three")]
    ages = [
        timedelta(days=3, hours=1),
        timedelta(hours=2, minutes=5),
        timedelta(hours=2, minutes=10),
    ]
    for account, age in zip(accounts, ages, strict=True):
        age_account(engine, account.id, age)
    posted = [
        post(api, newsroom, accounts[0], CAMPAIGN[0]),
        post(api, newsroom, accounts[1], CAMPAIGN[1]),
        post(api, newsroom, accounts[2], CAMPAIGN[2], article=OTHER_ARTICLE),
    ]
    assert [c["status"] for c in posted] == ["published", "published", "held"]
    [campaign] = api.get(f"{newsroom.api}/v1/admin/campaigns", headers=moderator.headers).json()[
        "items"
    ]

    page = console_page(browser, newsroom, moderator.token)
    errors = PageErrors(page)
    held = page.locator("li.item")
    expect(held).to_have_count(3)  # the two published ones taken back, and the last one
    expect(held.locator(".why")).to_have_text(
        [
            f"held: campaign {campaign['id']}, the same text from 3 accounts within 60 min",
            f"held: campaign {campaign['id']}, the same text from 3 accounts within 60 min",
            "held: the same text from 3 accounts within 60 min",
        ]
    )

    page.get_by_role("navigation").get_by_role("button", name="Campaigns").click()
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()
    card = page.get_by_role("listitem", name=f"Campaign {campaign['id']}")
    expect(card.locator(".counts")).to_have_text("3 comments, 3 still held or published")
    for body in CAMPAIGN:
        expect(card.locator(".campaign-comments")).to_contain_text(body)
    expect(card.locator(".campaign-comments .status")).to_have_text(["held", "held", "held"])
    people = card.locator(".campaign-accounts li")
    expect(people.filter(has_text="Voter One").locator(".age")).to_have_text("3 days old")
    expect(people.filter(has_text="Voter Two").locator(".age")).to_have_text("2 hours old")
    expect(people.filter(has_text="Voter Three").locator(".age")).to_have_text("2 hours old")
    expect(card.locator(".campaign-articles li")).to_have_text([OTHER_ARTICLE, ARTICLE_ID])
    page.screenshot(path=artefacts / "console-campaign.png", full_page=True)

    korean = console_page(browser, newsroom, moderator.token, locale="ko-KR")
    korean.get_by_role("navigation").get_by_role("button", name="캠페인").click()
    kcard = korean.get_by_role("listitem", name=f"캠페인 {campaign['id']}")
    expect(kcard.locator(".counts")).to_have_text("댓글 3개, 그중 게시 또는 보류 중 3개")
    kpeople = kcard.locator(".campaign-accounts li")
    expect(kpeople.filter(has_text="Voter One").locator(".age")).to_have_text("3일 전 가입")
    expect(kpeople.filter(has_text="Voter Two").locator(".age")).to_have_text("2시간 전 가입")
    expect(kcard.get_by_role("button", name="모두 거절하고 이 계정들 차단")).to_be_visible()
    korean.screenshot(path=artefacts / "console-campaign-ko.png", full_page=True)

    card.get_by_role("button", name="Reject all and ban these accounts").click()
    expect(card).to_contain_text(
        "This rejects 3 comments as spam and bans 3 accounts. Each author is told why."
    )
    card.get_by_role("button", name="Cancel").click()  # the confirm step can be left
    expect(card.get_by_role("button", name="Reject and ban")).to_have_count(0)
    card.get_by_role("button", name="Reject all and ban these accounts").click()
    card.get_by_label("Note (optional)").fill("Coordinated election spam.")
    card.get_by_role("button", name="Reject and ban").click()
    expect(card.locator(".outcome")).to_have_text(
        "3 comments rejected, 3 accounts banned, 0 refused."
    )
    expect(card.locator(".campaign-comments .status")).to_have_text(
        ["rejected", "rejected", "rejected"]
    )
    expect(card.locator(".campaign-accounts .status")).to_have_text(["banned"] * 3)
    expect(card.get_by_role("button", name="Reject all and ban these accounts")).to_have_count(0)
    page.screenshot(path=artefacts / "console-campaign-ended.png", full_page=True)

    for account in accounts:
        user = api.get(f"{newsroom.api}/v1/admin/users/{account.id}", headers=moderator.headers)
        assert user.json()["status"] == "banned"
    for comment in posted:
        detail = api.get(
            f"{newsroom.api}/v1/admin/comments/{comment['id']}", headers=moderator.headers
        ).json()
        assert (detail["status"], detail["status_reason"]) == ("rejected", "spam")
    resolved = api.get(
        f"{newsroom.api}/v1/admin/campaigns",
        params={"resolved": "true"},
        headers=moderator.headers,
    ).json()["items"]
    assert [c["id"] for c in resolved] == [campaign["id"]]
    page.get_by_label("Status").select_option("resolved")
    expect(page.get_by_role("listitem", name=f"Campaign {campaign['id']}")).to_contain_text(
        "resolved"
    )
    assert errors.seen == []


def test_a_held_link_shows_its_domain_and_a_denied_one_its_rejection(
    newsroom: Newsroom,
    browser: Any,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
) -> None:
    api = calls(browser)
    held = post(api, newsroom, reader, "The full text is at https://shop.example.net/deal today")
    assert (held["status"], held["status_reason"]) == ("held", "link")  # a new commenter's link
    api.put(
        f"{newsroom.api}/v1/admin/settings",
        headers=admin.headers,
        data={"links": {"deny_domains": ["spam.example.com"]}},
    )
    denied = post(api, newsroom, other_reader, "Cheap watches: https://spam.example.com/offer")
    assert (denied["status"], denied["status_reason"]) == ("rejected", "link_denied")

    page = console_page(browser, newsroom, moderator.token)
    errors = PageErrors(page)
    item = page.locator("li.item")
    expect(item).to_have_count(1)
    expect(item.locator(".why")).to_have_text("held: links to shop.example.net")
    domain = item.locator("mark").filter(has_text=re.compile(r"^shop\.example\.net$"))
    expect(domain).to_have_count(1)  # the domain is marked in the text
    page.get_by_role("navigation").get_by_role("button", name=re.compile("^Rejected")).click()
    expect(page.locator("li.item .why")).to_have_text(
        "rejected: links to a denied domain (spam.example.com)"
    )
    assert errors.seen == []

    korean = console_page(browser, newsroom, moderator.token, locale="ko-KR")
    expect(korean.locator("li.item .why")).to_have_text("보류: 링크 포함 (shop.example.net)")


def region(page: Any, name: str) -> Any:
    return page.get_by_role("region", name=name, exact=True)


def test_an_admin_saves_a_deny_list_and_a_daily_cap_on_the_settings_page(
    newsroom: Newsroom, browser: Any, admin: SignedIn, artefacts: Path
) -> None:
    page = console_page(browser, newsroom, admin.token)
    errors = PageErrors(page)
    page.get_by_role("navigation").get_by_role("button", name="Thresholds").click()
    expect(page.get_by_role("heading", name="Spam checks", level=2)).to_be_visible()

    links = region(page, "Links")
    deny = links.get_by_label("Denied domains, one per line (always rejected)")
    deny.fill("https://www.Spam.example.com/offer\nbad.example.org")
    links.get_by_role("button", name="Save").click()
    expect(links.get_by_role("status")).to_have_text("Saved.")

    caps = region(page, "Daily caps")
    expect(caps.get_by_label("Comments a day", exact=True)).to_have_value("20")
    caps.get_by_label("Comments a day", exact=True).fill("5")
    expect(caps.get_by_label("Likes and dislikes a day", exact=True)).to_have_value("50")
    caps.get_by_label("Likes and dislikes a day", exact=True).fill("30")
    caps.get_by_label("Comments on one article a day: no cap").check()
    expect(caps.get_by_label("Comments on one article a day", exact=True)).to_be_disabled()
    caps.get_by_role("button", name="Save").click()
    expect(caps.get_by_role("status")).to_have_text("Saved.")

    repeats = region(page, "Repeated and coordinated comments")
    repeats.get_by_label("Hold near-identical text from this many accounts (0: off)").fill("1")
    repeats.get_by_role("button", name="Save").click()
    expect(repeats.get_by_role("status")).to_contain_text(
        "coordinated_accounts is 0 (off) or at least 2"
    )

    history = region(page, "Authors often rejected")
    history.get_by_label("Hold new comments from authors often rejected").uncheck()
    history.get_by_role("button", name="Save").click()
    expect(history.get_by_role("status")).to_have_text("Saved.")

    newcomers = region(page, "New accounts")
    ranking = newcomers.get_by_label(
        "Likes from accounts younger than this do not rank comments (hours, 0: all count)"
    )
    expect(ranking).to_have_value("24")
    ranking.fill("48")
    newcomers.get_by_role("button", name="Save").click()
    expect(newcomers.get_by_role("status")).to_have_text("Saved.")
    page.screenshot(path=artefacts / "console-spam-settings.png", full_page=True)

    stored = calls(browser).get(f"{newsroom.api}/v1/admin/settings", headers=admin.headers)
    settings = stored.json()
    assert settings["links"]["deny_domains"] == ["spam.example.com", "bad.example.org"]
    assert settings["links"]["action"] == "hold_for_new_commenters"  # the rest of the group kept
    assert settings["daily_caps"] == {
        "comments": 5,
        "replies": 40,
        "per_article": None,
        "reactions": 30,
    }
    assert settings["repeats"]["coordinated_accounts"] == 3  # the refused change left nothing
    assert settings["history_hold"] is None
    assert settings["reactions"] == {
        "ranking_min_account_age_hours": 48,
        "burst_reactions": 10,
        "burst_minutes": 10,
    }
    expect(deny).to_have_value("spam.example.com\nbad.example.org")  # as the service keeps them
    assert errors.seen == []


def test_an_admin_sets_the_external_hook_reads_its_record_and_removes_it(
    newsroom: Newsroom, browser: Any, reader: SignedIn, admin: SignedIn, engine: Engine
) -> None:
    def check(request: Request) -> Response:
        return JSONResponse(
            {"action": "hold", "reason": "spam_score", "note": "0.97 on our filter"}
        )

    port = unused_port()
    receiver = Starlette(routes=[Route("/check", check, methods=["POST"])])
    api = calls(browser)
    with Served(receiver, port):
        page = console_page(browser, newsroom, admin.token)
        errors = PageErrors(page)
        page.get_by_role("navigation").get_by_role("button", name="Thresholds").click()
        hook = region(page, "External moderation hook")
        expect(hook).to_contain_text("No hook is set.")
        expect(hook).to_contain_text("No comment was sent to it.")
        hook.get_by_label("URL").fill("https://10.1.2.3/check")
        hook.get_by_label("Secret (16 or more characters)").fill("a-signing-secret-0042")
        hook.get_by_role("button", name="Save").click()
        expect(hook.get_by_role("status")).to_contain_text(
            "10.1.2.3 is a private or loopback address"
        )

        hook.get_by_label("URL").fill(f"http://127.0.0.1:{port}/check")
        hook.get_by_label("Time-out (ms)").fill("3000")
        hook.get_by_role("button", name="Save").click()
        expect(hook.get_by_role("status")).to_have_text("Saved.")
        expect(hook.get_by_label("New secret (leave empty to keep the one set)")).to_have_value("")
        stored = api.get(f"{newsroom.api}/v1/admin/settings", headers=admin.headers).json()
        assert stored["external_moderation"] == {
            "url": f"http://127.0.0.1:{port}/check",
            "timeout_ms": 3000,
            "on_failure": "hold",
        }

        held = post(api, newsroom, reader, "A thoughtful remark about the summit statement.")
        assert (held["status"], held["status_reason"]) == ("held", "external")

    page.get_by_role("navigation").get_by_role("button", name=re.compile("^Held")).click()
    expect(page.locator("li.item .why")).to_have_text(
        "held by the newsroom's own check: spam_score: 0.97 on our filter"
    )
    with Session(engine) as session:  # a day when the receiver also failed
        for outcome, count in (("publish", 3), ("failed_held", 2)):
            session.add(ExternalCheckCount(day="2099-01-01", outcome=outcome, count=count))
        session.commit()
    page.get_by_role("navigation").get_by_role("button", name="Thresholds").click()
    today = utcnow().date().isoformat()
    hook = region(page, "External moderation hook")
    rows = hook.locator(".outcomes tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first.locator("th, td")).to_have_text(["2099-01-01", "3", "0", "0", "2", "0"])
    expect(rows.last.locator("th, td")).to_have_text([today, "0", "1", "0", "0", "0"])

    hook.get_by_role("button", name="Remove the hook").click()
    expect(hook).to_contain_text("Comments will no longer be sent to it.")
    hook.get_by_role("button", name="Remove", exact=True).click()
    expect(hook.get_by_role("status")).to_have_text("Hook removed.")
    expect(hook).to_contain_text("No hook is set.")
    stored = api.get(f"{newsroom.api}/v1/admin/settings", headers=admin.headers).json()
    assert stored["external_moderation"] is None
    assert errors.seen == []


def record_of(engine: Engine, author_id: int, **statuses: int) -> None:
    """Decided comments of the last days, written straight into the database."""
    with Session(engine) as session:
        register_article(session, OTHER_ARTICLE)
        comments = [
            Comment(
                article_id=OTHER_ARTICLE,
                author_id=author_id,
                body=f"Earlier remark {status} {n}",
                status=CommentStatus(status),
                status_reason="spam" if status == "rejected" else "passed_checks",
                created_at=utcnow() - timedelta(days=2),
            )
            for status, count in statuses.items()
            for n in range(count)
        ]
        session.add_all(comments)
        session.flush()
        for comment in comments:
            count_new(session, comment)
        session.commit()


def test_the_user_drawer_shows_the_rejection_rate_and_the_caps_used_today(
    newsroom: Newsroom, browser: Any, engine: Engine, moderator: SignedIn
) -> None:
    author = sign_in(engine, "Often Rejected")
    record_of(engine, author.id, rejected=4, published=2)
    held = post(calls(browser), newsroom, author, "My view on the summit, once again.")
    assert (held["status"], held["status_reason"]) == ("held", "history")

    page = console_page(browser, newsroom, moderator.token)
    errors = PageErrors(page)
    item = page.locator("li.item")
    expect(item.locator(".why")).to_have_text(
        "held: the author's record, 4 of 6 rejected in 30 days"
    )
    item.get_by_role("button", name="Often Rejected").click()
    drawer = page.get_by_role("dialog", name="User: Often Rejected")
    expect(drawer.locator(".record")).to_have_text(
        "rejected 4 of 6 decided in 30 days (67%) · new comments are held"
    )
    expect(drawer.locator(".caps")).to_have_text(
        f"Used today: comments 1 of 20 · replies 0 of 40 · on {ARTICLE_ID} 1 of 3"
    )
    assert errors.seen == []

    korean = console_page(browser, newsroom, moderator.token, locale="ko-KR")
    korean.locator("li.item").get_by_role("button", name="Often Rejected").click()
    drawer = korean.get_by_role("dialog", name="사용자: Often Rejected")
    expect(drawer.locator(".record")).to_have_text(
        "최근 30일 동안 결정된 6건 중 4건 거절 (67%) · 새 댓글은 보류됩니다"
    )
    expect(drawer.locator(".caps")).to_have_text(
        f"오늘 사용: 댓글 20개 중 1개 · 답글 40개 중 0개 · {ARTICLE_ID} 기사 3개 중 1개"
    )


def next_midnight(zone: str, shown_in: str) -> str:
    """The site's next midnight (the caps reset then), on a clock in `shown_in`."""
    here = utcnow().astimezone(ZoneInfo(zone))
    midnight = datetime.combine(here.date() + timedelta(days=1), time(), tzinfo=here.tzinfo)
    return midnight.astimezone(ZoneInfo(shown_in)).strftime("%H:%M")


def test_the_comment_box_says_why_a_repeat_or_a_post_over_the_daily_cap_is_refused(
    newsroom: Newsroom, browser: Any, artefacts: Path
) -> None:
    reader = browser.new_context(timezone_id="Europe/London").new_page()
    errors = PageErrors(reader)
    box = sign_in_box(reader, newsroom.article)
    first = "The summit statement is vague on sanctions."
    post_in_box(box, first)
    expect(box.locator("li.comment").filter(has_text=first)).to_be_visible()
    post_in_box(box, first.upper())  # the same words, however written
    expect(box.get_by_role("alert")).to_have_text("You already posted this comment.")
    for text in ("It does name the export controls.", "And the next round of talks in March."):
        post_in_box(box, text)
        expect(box.locator("li.comment").filter(has_text=text)).to_be_visible()
    post_in_box(box, "One more thought on the trilateral statement.")
    resets = next_midnight("Asia/Seoul", "Europe/London")  # the reader's own clock
    expect(box.get_by_role("alert")).to_have_text(
        f"You can post up to 3 comments on this article a day. You can post again after {resets}."
    )
    expect(box.get_by_role("textbox", name="Comment")).to_have_value(
        "One more thought on the trilateral statement."
    )  # kept, for tomorrow
    reader.screenshot(path=artefacts / "comment-box-daily-limit.png", full_page=True)
    assert errors.seen == []

    korean = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul").new_page()
    box = sign_in_box(korean, newsroom.article_ko, "ko")
    post_in_box(box, first, "ko")
    expect(box.get_by_role("alert")).to_have_text("이미 같은 댓글을 올렸습니다.")
    post_in_box(box, "정상회담 성명에 대한 또 다른 생각입니다.", "ko")
    expect(box.get_by_role("alert")).to_have_text(
        "이 기사에는 하루 최대 3개의 댓글을 작성할 수 있습니다. "
        "00:00 이후에 다시 작성할 수 있습니다."
    )
    korean.screenshot(path=artefacts / "comment-box-daily-limit-ko.png", full_page=True)


def test_the_comment_box_asks_a_new_account_to_wait(
    newsroom: Newsroom, browser: Any, admin: SignedIn
) -> None:
    changed = calls(browser).put(
        f"{newsroom.api}/v1/admin/settings",
        headers=admin.headers,
        data={"new_account_cooldown_minutes": 10},
    )
    assert changed.status == 200, changed.text()
    page = browser.new_context().new_page()
    box = sign_in_box(page, newsroom.article)  # the account is made as the reader signs in
    post_in_box(box, "My first comment here.")
    expect(box.get_by_role("alert")).to_have_text(
        "New accounts can comment after a short wait: try again in 10 minutes."
    )

    korean = browser.new_context(locale="ko-KR").new_page()
    box = sign_in_box(korean, newsroom.article_ko, "ko")
    post_in_box(box, "첫 댓글입니다.", "ko")
    expect(box.get_by_role("alert")).to_have_text(
        "새 계정은 잠시 후 댓글을 작성할 수 있습니다. 10분 후 다시 시도해 주세요."
    )
