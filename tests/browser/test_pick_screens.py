"""Editors' picks, the pinned comment and a journalist's badge as readers see them in the
comment box (Korean): the pinned comment first, each marked in words."""

from typing import Any

from playwright.sync_api import expect

from tests.browser import test_screens
from tests.browser.test_screens import ARTICLE_ID, Newsroom
from tests.support.factories import SignedIn

newsroom = test_screens.newsroom


def test_readers_see_the_pin_the_pick_and_the_badge(
    newsroom: Newsroom, browser: Any, reader: SignedIn, other_reader: SignedIn, admin: SignedIn
) -> None:
    api = browser.new_context().request

    def post(who: SignedIn, body: str) -> int:
        answer = api.post(
            f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
            headers=who.headers,
            data={"body": body},
        )
        comment_id: int = answer.json()["id"]
        return comment_id

    pinned = post(reader, "기자가 남긴 정정 안내입니다.")
    featured = post(other_reader, "예산 항목을 꼼꼼히 짚은 댓글입니다.")
    post(other_reader, "가장 최근 댓글입니다.")
    for path, method, data in [
        (f"/v1/admin/comments/{pinned}/pin", "POST", None),
        (f"/v1/admin/comments/{featured}/feature", "POST", None),
        (f"/v1/admin/users/{reader.id}/badge", "PUT", {"badge": "journalist"}),
    ]:
        done = api.fetch(f"{newsroom.api}{path}", method=method, headers=admin.headers, data=data)
        assert done.ok, done.text()
    page = browser.new_context(locale="ko-KR").new_page()
    page.goto(newsroom.article_ko)
    comments = page.locator("commentmod-thread").locator("li.comment")

    first = comments.first
    expect(first.locator(".body")).to_have_text("기자가 남긴 정정 안내입니다.")
    expect(first.locator(".meta")).to_contain_text("고정된 댓글")
    expect(first.locator(".meta")).to_contain_text("기자")
    pick = comments.filter(has_text="예산 항목을")
    expect(pick.locator(".meta")).to_contain_text("에디터 추천")
    expect(comments).to_have_count(3)
