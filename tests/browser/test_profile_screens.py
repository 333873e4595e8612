"""A commenter's public page from the comment box: a reader opens another's name and sees their
totals and latest comments in a dialog; a reader who hid their history shows none."""

from typing import Any

from playwright.sync_api import expect

from tests.browser import test_screens
from tests.browser.test_leaving_screens import signed_in_with_x
from tests.browser.test_screens import ARTICLE_ID, Newsroom
from tests.support.factories import SignedIn

newsroom = test_screens.newsroom


def test_a_reader_opens_a_commenters_page_and_hides_their_own(
    newsroom: Newsroom, browser: Any, other_reader: SignedIn
) -> None:
    page, errors, box = signed_in_with_x(newsroom, browser)
    api = page.request
    for body, article in [
        ("An older point elsewhere.", "another-article"),
        ("A point here.", ARTICLE_ID),
    ]:
        posted = api.post(
            f"{newsroom.api}/v1/articles/{article}/comments",
            headers=other_reader.headers,
            data={"body": body},
        )
        assert posted.ok, posted.text()
    page.reload()

    box.get_by_role("button", name="Ji-woo Reader").click()

    profile = box.get_by_role("dialog", name="Comments by Ji-woo Reader")
    expect(profile).to_contain_text("2 comments · 0 likes received")
    expect(profile.locator("li.comment .body")).to_have_text(
        ["A point here.", "An older point elsewhere."]
    )
    profile.get_by_role("button", name="Close").press("Enter")
    expect(profile).to_have_count(0)

    box.get_by_role("button", name="Hide my comment history").click()
    expect(box.locator("p.message")).to_contain_text("hidden from other readers")
    me = api.get(f"{newsroom.api}/v1/me").json()
    shown_to_others = api.get(
        f"{newsroom.api}/v1/users/{me['id']}/comments", headers=other_reader.headers
    ).json()
    assert shown_to_others["hidden"] is True
    expect(box.get_by_role("button", name="Show my comment history")).to_be_visible()
    assert errors.seen == []
