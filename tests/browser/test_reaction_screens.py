"""Likes and dislikes (공감/비공감) in a real browser: a reader presses them in the comment box,
changes their mind and takes it back; the counts follow and the pressed state is announced."""

from typing import Any

from playwright.sync_api import expect

from tests.browser import test_screens
from tests.browser.test_leaving_screens import signed_in_with_x
from tests.browser.test_screens import ARTICLE_ID, Newsroom
from tests.support.factories import SignedIn

newsroom = test_screens.newsroom


def test_a_reader_likes_then_dislikes_then_takes_it_back(
    newsroom: Newsroom, browser: Any, other_reader: SignedIn
) -> None:
    page, errors, box = signed_in_with_x(newsroom, browser)
    posted = page.request.post(
        f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
        headers=other_reader.headers,
        data={"body": "The harbour budget needs a second look."},
    )
    assert posted.json()["status"] == "published"
    page.reload()
    theirs = box.locator("li.comment").first
    reactions = theirs.get_by_role("group", name="Reactions")

    reactions.get_by_role("button", name="Like 0", exact=True).click()

    liked = reactions.get_by_role("button", name="Like 1", exact=True)
    expect(liked).to_have_attribute("aria-pressed", "true")
    reactions.get_by_role("button", name="Dislike 0", exact=True).click()
    expect(reactions.get_by_role("button", name="Dislike 1", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(reactions.get_by_role("button", name="Like 0", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    reactions.get_by_role("button", name="Dislike 1", exact=True).click()
    expect(reactions.get_by_role("button", name="Dislike 0", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    assert errors.seen == []


def test_an_anonymous_reader_sees_the_counts_in_korean(
    newsroom: Newsroom, browser: Any, reader: SignedIn, other_reader: SignedIn
) -> None:
    api = browser.new_context().request
    posted = api.post(
        f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
        headers=reader.headers,
        data={"body": "항만 예산을 다시 살펴봐야 합니다."},
    ).json()
    liked = api.put(
        f"{newsroom.api}/v1/comments/{posted['id']}/reaction",
        headers=other_reader.headers,
        data={"kind": "like"},
    )
    assert liked.ok, liked.text()
    page = browser.new_context(locale="ko-KR").new_page()
    page.goto(newsroom.article_ko)

    reactions = page.locator("commentmod-thread").get_by_role("group", name="공감/비공감")

    expect(reactions).to_contain_text("공감 1")
    expect(reactions).to_contain_text("비공감 0")
    expect(reactions.get_by_role("button")).to_have_count(0)
