"""Muting from the comment box in a real browser: a reader mutes another, whose comments go
from the list (and stay gone after a reload), then undoes it from the notice, keyboard first."""

from typing import Any

from playwright.sync_api import expect

from tests.browser import test_screens
from tests.browser.test_leaving_screens import signed_in_with_x
from tests.browser.test_screens import ARTICLE_ID, Newsroom
from tests.support.factories import SignedIn

newsroom = test_screens.newsroom


def test_a_reader_mutes_a_commenter_and_undoes_it(
    newsroom: Newsroom, browser: Any, reader: SignedIn, other_reader: SignedIn
) -> None:
    page, errors, box = signed_in_with_x(newsroom, browser)
    for who, body in [(reader, "A calm point."), (other_reader, "A loud point.")]:
        posted = page.request.post(
            f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
            headers=who.headers,
            data={"body": body},
        )
        assert posted.ok, posted.text()
    page.reload()
    comments = box.locator("li.comment")
    expect(comments).to_have_count(2)
    loud = comments.filter(has_text="A loud point.")

    page.once("dialog", lambda confirm: confirm.accept())
    loud.get_by_role("button", name="Mute").click()

    expect(comments).to_have_count(1)
    notice = box.locator("p.message")
    expect(notice).to_contain_text("You muted Ji-woo Reader")
    undo = notice.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    page.reload()
    expect(comments).to_have_count(1)
    expect(comments.first).to_contain_text("A calm point.")

    page.once("dialog", lambda confirm: confirm.accept())
    comments.first.get_by_role("button", name="Mute").click()
    box.locator("p.message").get_by_role("button", name="Undo").press("Enter")

    expect(comments).to_have_count(1)
    expect(box.locator("p.message")).to_contain_text("shown again")
    assert errors.seen == []
