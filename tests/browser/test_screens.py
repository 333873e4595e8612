"""The two screens in a real browser: the comment box embedded in a news page on another origin
(under a strict CSP), and the moderator console served by the service, in English and Korean.

A reader signs in through the fake provider, is nudged on a toxic comment and posts it anyway;
a moderator approves it from the keyboard; a second moderator's stale click loses the race;
an admin changes a threshold. Screenshots land in `var/artefacts/screens`.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from auth.models import Role
from moderation.scoring.scorers import Scorer
from moderation.text import count_characters
from service.app import create_app
from service.core.settings import Settings
from tests.support.factories import TOXIC, SignedIn, sign_in
from tests.support.fake_providers import FakeProviders, twitter_served_at
from tests.support.served import Served
from tests.support.stalled import unused_port

ARTICLE_ID = "AEN20261127000300315"

HOST_PAGE = """<!doctype html>
<html lang="__LANG__"><head><meta charset="utf-8"><title>Trilateral statement</title>
<script type="module" src="__API__/embed.js"></script></head>
<body><article><h1>Trilateral statement issued after summit</h1><p>…</p></article>
<commentmod-thread article-id="__ARTICLE__" lang="__LANG__"></commentmod-thread>
</body></html>"""

HOST_CSP = (
    "default-src 'self'; script-src 'self' __API__; connect-src __API__; style-src 'self'; "
    "img-src 'self'; frame-ancestors 'none'"
)
"""The news page's own policy: no 'unsafe-inline' anywhere, the service named for scripts and
fetches only (what README tells a newsroom to allow)."""


@dataclass(frozen=True)
class Newsroom:
    article: str
    article_ko: str
    api: str
    console: str


@pytest.fixture
def newsroom(settings: Settings, scorer: Scorer) -> Iterator[Newsroom]:
    news, api, provider = unused_port(), unused_port(), unused_port()
    api_url, news_url = f"http://localhost:{api}", f"http://localhost:{news}"
    configured = settings.model_copy(
        update={
            "public_url": api_url,
            "allowed_origins": [news_url],
            **twitter_served_at(f"http://localhost:{provider}"),
        }
    )

    def page(language: str) -> Any:
        html = (
            HOST_PAGE.replace("__API__", api_url)
            .replace("__ARTICLE__", ARTICLE_ID)
            .replace("__LANG__", language)
        )
        headers = {"Content-Security-Policy": HOST_CSP.replace("__API__", api_url)}
        return lambda _: HTMLResponse(html, headers=headers)

    site = Starlette(routes=[Route("/article", page("en")), Route("/ko/article", page("ko"))])
    with (
        Served(FakeProviders(public_url=api_url).asgi_app(), provider),
        Served(create_app(configured, scorer=scorer), api),
        Served(site, news),
    ):
        yield Newsroom(
            article=f"{news_url}/article",
            article_ko=f"{news_url}/ko/article",
            api=api_url,
            console=f"{api_url}/admin/",
        )


class PageErrors:
    """Uncaught exceptions and console errors of a page (a CSP refusal is one), less the
    browser's note on each answer with an error status, which the page expects (401 signed
    out, 422 the nudge, the host's missing favicon)."""

    def __init__(self, page: Any) -> None:
        self.seen: list[str] = []
        page.on("pageerror", lambda error: self.seen.append(str(error)))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.seen.append(message.text)


def console_page(browser: Any, newsroom: Newsroom, token: str, locale: str = "en-GB") -> Any:
    page = browser.new_context(locale=locale, viewport={"width": 1280, "height": 860}).new_page()
    page.goto(newsroom.console)
    label = "API 토큰" if locale.startswith("ko") else "API token"
    page.get_by_label(label).fill(token)
    page.get_by_role("button", name="로그인" if locale.startswith("ko") else "Sign in").click()
    return page


@pytest.fixture
def second_moderator(engine: Engine) -> SignedIn:
    return sign_in(engine, "Ha-eun Night Desk", Role.MODERATOR)


def test_a_comment_goes_from_the_box_through_the_console_and_back(
    newsroom: Newsroom,
    browser: Any,
    moderator: SignedIn,
    second_moderator: SignedIn,
    admin: SignedIn,
    artefacts: Path,
) -> None:
    reader = browser.new_context(viewport={"width": 900, "height": 900}).new_page()
    errors = PageErrors(reader)
    reader.goto(newsroom.article)
    box = reader.locator("commentmod-thread")
    expect(box.get_by_text("Log in to Twitter or Facebook account to connect.")).to_be_visible()
    expect(box.get_by_text("please log in to one of the accounts")).to_be_visible()
    box.get_by_role("link", name="Log in with X (Twitter)").click()
    reader.wait_for_url(newsroom.article)  # back on the same article
    expect(box.get_by_text("Signed in as Kim Min-jun")).to_be_visible()

    comment = box.get_by_role("textbox", name="Comment")
    post = box.get_by_role("button", name="Post", exact=True)
    comment.fill("가" * 251)
    expect(box.get_by_text("251/250자")).to_be_visible()
    expect(post).to_be_disabled()
    expect(box.get_by_text("the limit is 250")).to_be_visible()

    comment.fill(TOXIC)
    expect(box.get_by_text(f"{count_characters(TOXIC)}/250자")).to_be_visible()
    post.click()
    nudge = box.get_by_role("dialog")
    expect(nudge).to_contain_text("community guidelines")
    reader.screenshot(path=artefacts / "comment-box-nudge.png")
    nudge.get_by_role("button", name="Post anyway").click()
    expect(box.locator(".notice")).to_have_text(re.compile("^Awaiting review"))
    expect(box.locator("li.comment")).to_have_count(1)

    # Two moderators open the held queue; the second one will be too late.
    late = console_page(browser, newsroom, second_moderator.token)
    expect(late.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    desk = console_page(browser, newsroom, moderator.token)
    held_tab = desk.get_by_role("navigation").get_by_role("button", name=re.compile("^Held"))
    expect(held_tab).to_have_attribute("aria-current", "page")
    expect(held_tab).to_contain_text("1")
    item = desk.locator("li.item").first
    expect(item).to_contain_text(TOXIC)
    expect(item.locator(".why")).to_have_text(
        re.compile(r"^held: toxicity [01]\.\d\d ≥ 0\.80 · posted anyway after the warning$")
    )
    expect(item.locator("mark").first).to_be_visible()  # the words that pushed the score
    expect(item).to_contain_text("Kim Min-jun")
    expect(item.locator(".counts")).to_have_text("published 0 · held 1 · rejected 0")
    desk.screenshot(path=artefacts / "console-held-queue.png")

    desk.keyboard.press("?")
    expect(desk.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    desk.keyboard.press("Escape")
    expect(desk.get_by_role("dialog")).to_have_count(0)
    desk.keyboard.press("a")
    expect(item.locator(".outcome")).to_have_text("approved ✓")
    expect(held_tab).to_contain_text("0")

    late.get_by_role("button", name="Approve", exact=True).click()
    expect(late.locator(".outcome")).to_have_text(
        "Already decided by Seo-yeon Moderator: now published."
    )

    arriving = late.request.post(  # a new comment for the queue, while the desk watches it
        f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
        headers=second_moderator.headers,
        data={"body": "Another pathetic idiot remark", "acknowledge_toxicity": True},
    )
    assert arriving.json()["status"] == "held"
    arrivals = desk.get_by_role("status").filter(has_text="New comments have arrived")
    expect(arrivals).to_be_visible(timeout=15_000)  # pushed: the fallback poll is once a minute
    arrivals.get_by_role("button", name="Show them").click()
    expect(desk.locator("li.item")).to_have_count(1)
    expect(desk.locator("li.item")).to_contain_text("Another pathetic idiot remark")

    reader.reload()
    expect(box.get_by_text(TOXIC)).to_be_visible()
    expect(box.locator(".notice")).to_have_count(0)
    expect(box.get_by_role("heading", name="1 comment")).to_be_visible()
    reader.screenshot(path=artefacts / "comment-box.png", full_page=True)
    assert errors.seen == []  # the embed ran under the news page's CSP without a refusal

    chief = console_page(browser, newsroom, admin.token)
    chief.get_by_role("navigation").get_by_role("button", name="Thresholds").click()
    threshold = chief.get_by_label("toxicity", exact=True)
    threshold.fill("0.50")
    expect(chief.locator(".effect-total")).to_contain_text("In all:")
    chief.get_by_role("form", name="Hold thresholds").get_by_role("button", name="Save").click()
    expect(chief.get_by_text("Saved.")).to_be_visible()
    chief.screenshot(path=artefacts / "console-thresholds.png", full_page=True)
    stored = chief.request.get(f"{newsroom.api}/v1/admin/settings", headers=admin.headers)
    assert stored.json()["hold_thresholds"]["toxicity"] == 0.5


def test_a_reader_who_signs_in_to_the_console_sees_only_that_they_are_not_a_moderator(
    newsroom: Newsroom, browser: Any, reader: SignedIn
) -> None:
    page = console_page(browser, newsroom, reader.token)
    expect(page.get_by_role("alert")).to_have_text(
        "You are signed in as Min-jun Reader, who is not a moderator."
    )
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("navigation")).to_have_count(0)


def test_the_console_refuses_a_wrong_token_in_words(newsroom: Newsroom, browser: Any) -> None:
    page = console_page(browser, newsroom, "cm_not-a-real-token")
    expect(page.get_by_role("alert")).to_have_text("That token is unknown, expired or revoked.")


def test_the_box_and_the_console_speak_korean(
    newsroom: Newsroom, browser: Any, moderator: SignedIn, artefacts: Path
) -> None:
    page = browser.new_context(locale="ko-KR").new_page()
    page.goto(newsroom.article_ko)
    box = page.locator("commentmod-thread")
    expect(box.get_by_text("트위터 또는 페이스북 계정으로 로그인하세요.")).to_be_visible()
    box.get_by_role("link", name="X(트위터)로 로그인").click()
    page.wait_for_url(newsroom.article_ko)

    comment = box.get_by_role("textbox", name="댓글")
    comment.fill(TOXIC)
    box.get_by_role("button", name="게시", exact=True).click()
    nudge = box.get_by_role("dialog")
    expect(nudge.get_by_role("button", name="그래도 게시")).to_be_visible()
    nudge.get_by_role("button", name="수정", exact=True).click()
    expect(nudge).to_have_count(0)
    expect(comment).to_have_value(TOXIC)  # back to editing, nothing posted
    thanks = "좋은 기사 감사합니다 👍🏽"
    comment.fill(thanks)
    expect(box.get_by_text(f"{count_characters(thanks)}/250자")).to_be_visible()
    box.get_by_role("button", name="게시", exact=True).click()
    expect(box.get_by_text("댓글이 게시되었습니다.")).to_be_visible()
    page.screenshot(path=artefacts / "comment-box-ko.png", full_page=True)

    comment.fill(TOXIC)
    box.get_by_role("button", name="게시", exact=True).click()
    box.get_by_role("dialog").get_by_role("button", name="그래도 게시").click()
    expect(box.locator(".notice")).to_have_text(re.compile("^검토 대기 중"))

    console = console_page(browser, newsroom, moderator.token, locale="ko-KR")
    queues = console.get_by_role("navigation")
    expect(queues.get_by_role("button", name=re.compile("^보류"))).to_contain_text("1")
    item = console.locator("li.item")
    expect(item.locator(".why")).to_contain_text("보류: toxicity")
    expect(item.get_by_role("button", name="승인", exact=True)).to_be_visible()
    item.get_by_role("button", name="거절", exact=True).click()
    item.get_by_label("사유").select_option("hate_speech")
    item.get_by_role("button", name="거절", exact=True).last.click()
    expect(item.locator(".outcome")).to_have_text("거절됨 ✓")
    expect(item.locator(".counts")).to_have_text("게시 1 · 보류 0 · 거절 1")
    console.screenshot(path=artefacts / "console-ko.png")
    queues.get_by_role("button", name=re.compile("^승인됨")).click()
    expect(console.get_by_text("처리할 댓글이 없습니다.")).to_be_visible()


def test_a_moderator_rejects_with_a_reason_and_opens_the_author(
    newsroom: Newsroom, browser: Any, moderator: SignedIn, reader: SignedIn
) -> None:
    page = console_page(browser, newsroom, moderator.token)
    api = page.request
    article = f"{newsroom.api}/v1/admin/articles/{ARTICLE_ID}"
    api.patch(article, headers=moderator.headers, data={"premoderated": True})
    for body in ("First remark on the summit", "Second remark on the summit"):
        posted = api.post(
            f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
            headers=reader.headers,
            data={"body": body},
        )
        assert posted.json()["status"] == "held"
    page.reload()
    items = page.locator("li.item")
    expect(items).to_have_count(2)
    page.keyboard.press("j")
    expect(items.nth(1)).to_have_attribute("aria-current", "true")
    page.keyboard.press("r")
    reason = items.nth(1).get_by_label("Reason")
    expect(reason).to_be_focused()
    reason.select_option("spam")
    page.keyboard.press("Enter")
    expect(items.nth(1).locator(".outcome")).to_have_text("rejected ✓")

    page.keyboard.press("k")
    page.keyboard.press("u")
    drawer = page.get_by_role("dialog", name="User: Min-jun Reader")
    expect(drawer).to_contain_text("published 0 · held 1 · rejected 1")
    drawer.get_by_role("button", name="Pre-moderate").click()
    expect(drawer.get_by_role("button", name="Stop pre-moderating")).to_be_visible()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    page.get_by_role("checkbox", name="Select all").check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_text("1 done, 0 already decided by someone else.")).to_be_visible()


def test_a_reader_replies_edits_deletes_and_reports_from_the_box(
    newsroom: Newsroom, browser: Any, other_reader: SignedIn
) -> None:
    page = browser.new_context().new_page()
    first = page.request.post(
        f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
        headers=other_reader.headers,
        data={"body": "The summit statement is vague on sanctions."},
    )
    assert first.json()["status"] == "published"
    page.goto(newsroom.article)
    box = page.locator("commentmod-thread")
    box.get_by_role("link", name="Log in with X (Twitter)").click()
    page.wait_for_url(newsroom.article)

    theirs = box.locator("li.comment").first
    theirs.get_by_role("button", name="Reply").click()
    box.get_by_role("textbox", name="Reply to Ji-woo Reader").fill("It names the export controls.")
    box.get_by_role("button", name="Post", exact=True).click()
    replies = box.get_by_role("list", name="Replies to Ji-woo Reader")
    expect(replies).to_contain_text("It names the export controls.")

    reply = replies.locator("li.comment")
    reply.get_by_role("button", name="Edit").click()
    box.get_by_role("textbox", name="Edit").fill("It names the export controls, twice.")
    box.get_by_role("button", name="Save").click()
    expect(reply).to_contain_text("It names the export controls, twice.")
    expect(reply).to_contain_text("edited")

    theirs.get_by_role("button", name="Report").first.click()
    dialog = box.get_by_role("dialog", name="Report")
    dialog.get_by_label("Why are you reporting this comment?").select_option("misinformation")
    dialog.get_by_role("button", name="Send report").click()
    expect(box.get_by_text("Thank you. Moderators will look at it.")).to_be_visible()
    theirs.get_by_role("button", name="Report").first.click()
    box.get_by_role("dialog", name="Report").get_by_role("button", name="Send report").click()
    expect(box.get_by_text("You have already reported this comment.")).to_be_visible()

    page.once("dialog", lambda confirm: confirm.accept())
    reply.get_by_role("button", name="Delete").click()
    expect(replies).to_have_count(0)
    expect(box.get_by_role("heading", name="1 comment")).to_be_visible()


def test_moderators_decide_legal_notices_and_appeals_in_the_console(
    newsroom: Newsroom,
    browser: Any,
    moderator: SignedIn,
    second_moderator: SignedIn,
    reader: SignedIn,
    artefacts: Path,
) -> None:
    page = console_page(browser, newsroom, moderator.token)
    errors = PageErrors(page)
    api = page.request
    comments = f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments"
    hidden = api.post(
        comments, headers=reader.headers, data={"body": "The mayor's aide lives at 12 Elm Street"}
    )
    stranger = browser.new_context().request  # anyone may send a notice, signed in or not
    filed = stranger.post(
        f"{newsroom.api}/v1/comments/{hidden.json()['id']}/notices",
        data={
            "kind": "rights_infringement",
            "explanation": "It publishes my home address for everyone to read.",
            "legal_ground": "Personal Information Protection Act",
            "notifier_name": "Park Ji-ho",
            "notifier_email": "jiho@example.kr",
            "good_faith": True,
        },
    )
    reference = filed.json()["reference"]
    rejected = api.post(
        comments, headers=reader.headers, data={"body": "The budget misses the point"}
    )
    comment_id = rejected.json()["id"]
    api.post(
        f"{newsroom.api}/v1/admin/comments/{comment_id}/reject",
        headers=moderator.headers,
        data={"reason": "off_topic", "expected_status": "published"},
    )
    api.post(
        f"{newsroom.api}/v1/comments/{comment_id}/appeals",
        headers=reader.headers,
        data={"explanation": "The budget is what the article is about."},
    )

    page.get_by_role("button", name="Legal notices").click()
    card = page.get_by_role("listitem", name=reference)
    expect(card).to_contain_text("Rights infringement")
    expect(card).to_contain_text("Park Ji-ho <jiho@example.kr>:")
    # a stranger's notice hides nothing by itself (COMMENTMOD_TEMPORARY_MEASURE_NOTIFIERS)
    expect(card).to_contain_text("still shown to readers until you decide")
    card.get_by_label("Decision").select_option("remove")
    card.get_by_label("Explanation").fill("A private address, published without consent.")
    page.screenshot(path=artefacts / "console-notices.png")
    card.get_by_role("button", name="Decide").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Notice {reference} decided.")
    ).to_be_visible()
    expect(page.get_by_text("Nothing here.")).to_be_visible()

    page.get_by_role("button", name="Appeals").click()
    appeal = page.get_by_role("listitem", name=re.compile(r"^Appeal \d+$"))
    expect(appeal).to_contain_text("Community guideline 4")
    appeal.get_by_label("Decision").select_option("reversed")
    appeal.get_by_label("Explanation").fill("On a second reading it is on topic.")
    appeal.get_by_role("button", name="Decide").click()
    expect(
        page.get_by_text("You decided this; another moderator decides the appeal.")
    ).to_be_visible()

    night = console_page(browser, newsroom, second_moderator.token)
    night.get_by_role("button", name="Appeals").click()
    appeal = night.get_by_role("listitem", name=re.compile(r"^Appeal \d+$"))
    appeal.get_by_label("Decision").select_option("reversed")
    appeal.get_by_label("Explanation").fill("On a second reading it is on topic.")
    appeal.get_by_role("button", name="Decide").click()
    expect(night.get_by_role("status").filter(has_text="decided.")).to_be_visible()
    shown = [c["id"] for c in api.get(comments).json()["items"]]
    assert shown == [comment_id]  # the appeal restored it; the notice removed the other
    assert errors.seen == []


def seed_decisions(
    newsroom: Newsroom, browser: Any, reader: SignedIn, other: SignedIn, moderator: SignedIn
) -> dict[str, int]:
    """Four comments decided as moderators do (as `seed_decisions` of
    tests/service/quality/test_model_quality.py, through the API): a held one rejected and one
    approved, a published one reported and removed (a miss) and one reported and kept up."""
    api = browser.new_context().request
    comments = f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments"
    seeded: dict[str, int] = {}
    for name, body, status in (
        ("held_rejected", TOXIC, "held"),
        ("held_approved", "Another pathetic idiot remark", "held"),
        ("missed", "The summit statement is vague on sanctions.", "published"),
        ("kept", "Thanks for the clear report on the trilateral statement.", "published"),
    ):
        posted = api.post(
            comments, headers=reader.headers, data={"body": body, "acknowledge_toxicity": True}
        )
        assert posted.json()["status"] == status, posted.text()
        seeded[name] = posted.json()["id"]
    for name in ("missed", "kept"):
        reported = api.post(
            f"{newsroom.api}/v1/comments/{seeded[name]}/reports",
            headers=other.headers,
            data={"reason": "abuse"},
        )
        assert reported.status == 201, reported.text()
    for name, action, reason in (
        ("held_rejected", "reject", "offensive"),
        ("held_approved", "approve", None),
        ("missed", "reject", "hate_speech"),
        ("kept", "approve", None),
    ):
        decided = api.post(
            f"{newsroom.api}/v1/admin/comments/{seeded[name]}/{action}",
            headers=moderator.headers,
            data={"reason": reason} if reason else {},
        )
        assert decided.status == 200, decided.text()
    return seeded


def shown(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def test_an_admin_reads_the_model_quality_report_and_a_moderator_has_no_entry_for_it(
    newsroom: Newsroom,
    browser: Any,
    reader: SignedIn,
    other_reader: SignedIn,
    moderator: SignedIn,
    admin: SignedIn,
    artefacts: Path,
) -> None:
    seeded = seed_decisions(newsroom, browser, reader, other_reader, moderator)
    report = browser.new_context().request.get(
        f"{newsroom.api}/v1/admin/model-quality", headers=admin.headers
    )
    [model] = report.json()["models"]

    page = console_page(browser, newsroom, admin.token)
    errors = PageErrors(page)
    page.get_by_role("navigation").get_by_role("button", name="Model quality").click()
    expect(page.get_by_role("heading", name="Model quality", level=1)).to_be_visible()
    card = page.get_by_role("article")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=2)).to_have_text(f"{model['model_id']} served · en")
    figures = {
        "labelled": "4",
        "abusive": "2",
        "roc_auc": shown(model["roc_auc"], 3),
        "held": str(model["at_thresholds_in_force"]["held"]),
        "precision": shown(model["at_thresholds_in_force"]["precision"], 2),
        "recall": shown(model["at_thresholds_in_force"]["recall"], 2),
    }
    for name, value in figures.items():
        expect(card.locator(f'tr[data-figure="{name}"] td')).to_have_text([value])

    chart = card.get_by_role("img", name=f"Precision and recall by threshold: {model['model_id']}")
    expect(chart).to_be_visible()
    expect(chart.locator("path.series")).to_have_count(2)
    expect(chart.locator("path.series.precision")).to_have_attribute("d", re.compile(r"^M"))
    expect(chart.locator("g.marker")).to_have_attribute("data-threshold", "0.8")
    expect(chart.locator("g.marker text")).to_have_text("hold 0.80")
    expect(chart.locator("desc")).to_contain_text("toxicity hold threshold in force, 0.80")
    nulls = sum(row["precision"] is None for row in model["by_threshold"])
    expect(chart.locator("circle.precision")).to_have_count(len(model["by_threshold"]) - nulls)

    misses = card.locator(".misses tbody tr")
    expect(misses).to_have_count(1)
    expect(misses.locator("td")).to_have_text(
        [f"#{seeded['missed']}", re.compile(r"^0\.\d{3}$"), "no"]
    )
    page.screenshot(path=artefacts / "console-model-quality.png", full_page=True)
    misses.get_by_role("button", name=f"#{seeded['missed']}").click()
    drawer = page.get_by_role("dialog", name=f"Comment #{seeded['missed']}")
    expect(drawer).to_contain_text("The summit statement is vague on sanctions.")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    page.get_by_label("From", exact=True).fill("2020-01-01")
    page.get_by_label("To (inclusive)").fill("2020-01-31")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_text("No moderator decisions in this period.")).to_be_visible()
    page.get_by_label("From", exact=True).fill("2020-03-01")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("`from` must be before `to`.")
    assert errors.seen == []  # drawn under the console's CSP without a refusal

    desk = console_page(browser, newsroom, moderator.token)
    nav = desk.get_by_role("navigation")
    expect(nav.get_by_role("button", name="Legal notices")).to_be_visible()
    expect(nav.get_by_role("button", name="Model quality")).to_have_count(0)


def quality(labelled: int, abusive: int, roc_auc: float | None, held: int) -> dict[str, Any]:
    return {
        "labelled": labelled,
        "abusive": abusive,
        "roc_auc": roc_auc,
        "at_thresholds_in_force": {"held": held, "precision": 0.75, "recall": 0.5},
    }


def test_a_shadow_model_is_drawn_beside_the_served_one_with_gaps_for_nulls(
    newsroom: Newsroom, browser: Any, admin: SignedIn, artefacts: Path
) -> None:
    """A report the service does not make with the test models (a shadow, thresholds where no
    comment is held): the page reads it as the API documents it."""
    steps = [round(0.05 * step, 2) for step in range(1, 20)]
    rows = [
        {
            "threshold": step,
            "held": 0 if step >= 0.85 or step == 0.3 else 3,
            "precision": None if step >= 0.85 or step == 0.3 else 0.5,
            "recall": 0.25,
        }
        for step in steps
    ]
    shadow = {
        **quality(10, 4, None, 4),
        "model_id": "shadow-candidate-2",
        "role": "shadow",
        "language": "ko",
        "by_threshold": rows,
        "misses": {"count": 0, "held": 0, "lowest": []},
        "served_on_same_comments": quality(10, 4, 0.8, 3),
    }
    report = {
        "start": "2026-11-01T00:00:00Z",
        "end": "2026-12-01T00:00:00Z",
        "thresholds": {"toxicity": 0.7, "insult": 0.8},
        "models": [shadow],
    }
    page = console_page(browser, newsroom, admin.token)
    errors = PageErrors(page)
    page.route(re.compile(r"/v1/admin/model-quality\?"), lambda route: route.fulfill(json=report))
    page.get_by_role("navigation").get_by_role("button", name="Model quality").click()
    card = page.get_by_role("article", name=re.compile("^shadow-candidate-2"))
    expect(card.get_by_role("heading", level=2)).to_have_text("shadow-candidate-2 shadow · ko")
    columns = card.locator("table.figures thead th")
    expect(columns).to_have_text(["This model", "Served models, same comments"])
    expect(card.locator('tr[data-figure="roc_auc"] td')).to_have_text(["—", "0.800"])
    expect(card.locator('tr[data-figure="held"] td')).to_have_text(["4", "3"])
    expect(card.locator('tr[data-figure="precision"] td')).to_have_text(["0.75", "0.75"])
    chart = card.get_by_role("img")
    precision = chart.locator("path.series.precision")
    expect(precision).to_have_attribute("d", re.compile(r"^M[^M]+M[^M]+$"))  # two runs
    expect(chart.locator("path.series.recall")).to_have_attribute("d", re.compile(r"^M[^M]+$"))
    expect(chart.locator("circle.precision")).to_have_count(15)  # 19 less 4 nulls
    expect(chart.locator("g.marker")).to_have_attribute("data-threshold", "0.7")
    expect(card.locator(".misses")).to_contain_text("removed by a moderator: 0.")
    expect(card.locator(".misses table")).to_have_count(0)
    page.screenshot(path=artefacts / "console-model-quality-shadow.png", full_page=True)
    assert errors.seen == []
