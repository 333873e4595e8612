"""Live updates in the comment box: another reader's comment is announced without a reload
("1 new comment — show"), the count follows, and showing it brings it into the list."""

from typing import Any

from playwright.sync_api import expect

from tests.browser import test_screens
from tests.browser.test_screens import ARTICLE_ID, Newsroom
from tests.support.factories import SignedIn

newsroom = test_screens.newsroom


def test_a_comment_from_another_reader_is_announced_live(
    newsroom: Newsroom, browser: Any, reader: SignedIn, other_reader: SignedIn
) -> None:
    api = browser.new_context().request
    url = f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments"
    first = api.post(url, headers=reader.headers, data={"body": "The first point."})
    assert first.ok, first.text()
    page = browser.new_context().new_page()
    errors = test_screens.PageErrors(page)
    page.goto(newsroom.article)
    box = page.locator("commentmod-thread")
    expect(box.get_by_role("heading", name="1 comment")).to_be_visible()
    expect(box.locator("li.comment")).to_have_count(1)
    page.wait_for_timeout(500)  # the event stream opens after the first page

    second = api.post(url, headers=other_reader.headers, data={"body": "A point made just now."})
    assert second.ok, second.text()

    announce = box.get_by_role("button", name="1 new comment — show")
    expect(announce).to_be_visible()
    expect(box.get_by_role("heading", name="2 comments")).to_be_visible()
    expect(box.locator("li.comment")).to_have_count(1)  # nothing moves under the reader's eyes
    announce.click()
    expect(box.locator("li.comment")).to_have_count(2)
    expect(box.locator("li.comment").first).to_contain_text("A point made just now.")
    expect(announce).to_have_count(0)
    assert errors.seen == []
