"""The comment box's order selector in a real browser: a reader switches from newest first to
most liked (공감순) and back, with the keyboard, and the list follows."""

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.browser import test_screens
from tests.browser.test_screens import ARTICLE_ID, Newsroom
from tests.service.comments.test_reactions import age
from tests.support.factories import SignedIn, sign_in

newsroom = test_screens.newsroom


def test_a_reader_sorts_the_comments_by_likes_and_back(
    newsroom: Newsroom, browser: Any, reader: SignedIn, engine: Engine
) -> None:
    api = browser.new_context().request
    bodies = ["The oldest point, liked most.", "A middle point.", "The newest point."]
    posted = [
        api.post(
            f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
            headers=reader.headers,
            data={"body": body},
        ).json()["id"]
        for body in bodies
    ]
    for n in range(3):
        voter = sign_in(engine, f"Long-time reader {n}")
        age(engine, voter, days=30)  # old enough for their likes to rank
        liked = api.put(
            f"{newsroom.api}/v1/comments/{posted[0]}/reaction",
            headers=voter.headers,
            data={"kind": "like"},
        )
        assert liked.ok, liked.text()
    page = browser.new_context(locale="ko-KR").new_page()
    page.goto(newsroom.article_ko)
    box = page.locator("commentmod-thread")
    comments = box.locator("li.comment .body")
    expect(comments.first).to_have_text(bodies[2])

    order = box.get_by_label("정렬")
    order.focus()
    order.select_option(label="공감순")

    expect(comments.first).to_have_text(bodies[0])
    expect(comments).to_have_count(3)
    expect(order).to_be_focused()
    order.select_option(label="최신순")
    expect(comments.first).to_have_text(bodies[2])
    expect(comments.nth(2)).to_have_text(bodies[0])
