"""A reaction burst in the console: the comment a farm of new accounts liked waits in the
reported queue as `reaction_burst`, and its reaction timeline shows where the likes came from."""

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import Engine

from service.core.db import Database
from service.policy.schemas import ReactionSettings
from service.reports.bursts import flag_reaction_bursts
from tests.browser import test_screens
from tests.browser.test_screens import ARTICLE_ID, Newsroom, console_page
from tests.support.factories import SignedIn, sign_in

newsroom = test_screens.newsroom


def test_a_moderator_sees_a_burst_and_its_timeline(
    newsroom: Newsroom,
    browser: Any,
    reader: SignedIn,
    moderator: SignedIn,
    engine: Engine,
    database: Database,
) -> None:
    api = browser.new_context().request
    posted = api.post(
        f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
        headers=reader.headers,
        data={"body": "Vote for this one, everybody."},
    ).json()
    for n in range(4):
        liked = api.put(
            f"{newsroom.api}/v1/comments/{posted['id']}/reaction",
            headers=sign_in(engine, f"Fresh Account {n}").headers,
            data={"kind": "like"},
        )
        assert liked.ok, liked.text()
    with database.session(writes=True) as session:  # the housekeeping sweep's step
        assert flag_reaction_bursts(session, ReactionSettings(burst_reactions=4)) == [posted["id"]]
    page = console_page(browser, newsroom, moderator.token)

    page.get_by_role("button", name="Reported").click()
    item = page.locator(f'li.item[data-id="{posted["id"]}"]')
    expect(item).to_contain_text("reaction_burst")
    item.get_by_role("button", name="4 likes · 0 dislikes").click()

    drawer = page.get_by_role("dialog", name=f"Reactions to comment #{posted['id']}")
    expect(drawer.get_by_role("table")).to_contain_text("Per minute")
    expect(drawer.locator("tbody tr").first.locator("td").nth(3)).to_have_text("4")
    expect(drawer.locator("ul.history li")).to_have_count(4)
    expect(drawer.locator("ul.history li").first).to_contain_text("not ranked")
