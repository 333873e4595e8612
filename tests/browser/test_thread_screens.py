"""Threads in the comment box: replies folded under their comment ("답글 21개 보기"), opened a
page at a time with "More replies", answered in place, folded again."""

from typing import Any

from playwright.sync_api import expect

from tests.browser import test_screens
from tests.browser.test_leaving_screens import signed_in_with_x
from tests.browser.test_screens import ARTICLE_ID, Newsroom
from tests.support.factories import SignedIn

newsroom = test_screens.newsroom


def test_a_reader_opens_a_long_thread_page_by_page_and_replies_in_place(
    newsroom: Newsroom, browser: Any, moderator: SignedIn
) -> None:
    page, errors, box = signed_in_with_x(newsroom, browser)
    api = page.request
    url = f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments"
    parent = api.post(url, headers=moderator.headers, data={"body": "Read the full statement."})
    parent_id = parent.json()["id"]
    for n in range(21):  # a moderator: no daily cap on replies
        answer = api.post(
            url, headers=moderator.headers, data={"body": f"Reply {n}.", "parent_id": parent_id}
        )
        assert answer.ok, answer.text()
    page.reload()
    thread = box.locator(f'li.comment[data-id="{parent_id}"]')
    replies = thread.get_by_role("list", name="Replies to Seo-yeon Moderator").locator("li.comment")
    view = thread.get_by_role("button", name="View 21 replies")
    expect(view).to_have_attribute("aria-expanded", "false")
    expect(replies).to_have_count(0)

    view.click()

    expect(replies).to_have_count(20)
    expect(replies.first).to_contain_text("Reply 0.")
    hide = thread.get_by_role("button", name="Hide replies")
    expect(hide).to_have_attribute("aria-expanded", "true")
    thread.get_by_role("button", name="More replies").click()
    expect(replies).to_have_count(21)
    expect(thread.get_by_role("button", name="More replies")).to_have_count(0)
    thread.get_by_role("button", name="Reply", exact=True).first.click()
    box.get_by_role("textbox", name="Reply to Seo-yeon Moderator").fill("My answer in place.")
    box.get_by_role("button", name="Post", exact=True).click()
    expect(replies).to_have_count(22)
    expect(replies.last).to_contain_text("My answer in place.")
    hide.click()
    expect(replies).to_have_count(0)
    expect(thread.get_by_role("button", name="View 22 replies")).to_be_visible()
    assert errors.seen == []


def test_the_thread_button_speaks_korean(
    newsroom: Newsroom, browser: Any, reader: SignedIn, other_reader: SignedIn
) -> None:
    api = browser.new_context().request
    url = f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments"
    parent_id = api.post(url, headers=reader.headers, data={"body": "정상회담 결과입니다."}).json()[
        "id"
    ]
    for body in ("첫 답글입니다.", "두 번째 답글입니다."):
        api.post(url, headers=other_reader.headers, data={"body": body, "parent_id": parent_id})
    page = browser.new_context(locale="ko-KR").new_page()
    page.goto(newsroom.article_ko)
    box = page.locator("commentmod-thread")

    box.get_by_role("button", name="답글 2개 보기").click()

    expect(box.locator("ol.replies li.comment .body")).to_have_text(
        ["첫 답글입니다.", "두 번째 답글입니다."]
    )
    expect(box.get_by_role("button", name="답글 숨기기")).to_be_visible()
