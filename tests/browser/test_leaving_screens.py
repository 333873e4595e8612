"""Leaving in a real browser: a reader deletes their account from the comment box (the
confirmation offers the export and the choice for the comments), and an admin erases an account
from the console's user drawer on a request received by other means."""

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser import test_screens
from tests.browser.test_screens import ARTICLE_ID, Newsroom, PageErrors, console_page
from tests.support.factories import SignedIn

newsroom = test_screens.newsroom


def signed_in_with_x(newsroom: Newsroom, browser: Any) -> tuple[Any, PageErrors, Any]:
    """The article page, signed in from the box through the fake X: the page, its script
    errors and the box."""
    page = browser.new_context(viewport={"width": 900, "height": 900}).new_page()
    errors = PageErrors(page)
    page.goto(newsroom.article)
    box = page.locator("commentmod-thread")
    box.get_by_role("link", name="Log in with X (Twitter)").click()
    page.wait_for_url(newsroom.article)
    return page, errors, box


def test_a_reader_leaves_from_the_box_and_the_thread_keeps_its_place(
    newsroom: Newsroom, browser: Any, other_reader: SignedIn, artefacts: Path
) -> None:
    page, errors, box = signed_in_with_x(newsroom, browser)
    box.get_by_role("textbox", name="Comment").fill("The export controls deserve a follow-up.")
    box.get_by_role("button", name="Post", exact=True).click()
    mine = box.locator("li.comment").first
    expect(mine).to_contain_text("The export controls deserve a follow-up.")
    answered = page.request.post(
        f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
        headers=other_reader.headers,
        data={
            "body": "Agreed, and on the chips too.",
            "parent_id": int(mine.get_attribute("data-id")),
        },
    )
    assert answered.json()["status"] == "published"
    page.reload()

    box.get_by_role("button", name="Delete my account").click()
    dialog = box.get_by_role("dialog", name="Delete my account")
    expect(dialog.get_by_role("link", name="Download my data first")).to_have_attribute(
        "href", f"{newsroom.api}/v1/me/export"
    )
    expect(dialog.get_by_label("Keep my comments, shown as from a deleted account")).to_be_checked()
    dialog.get_by_label("Delete my comments too (replies to them stay)").check()
    page.screenshot(path=artefacts / "box-leaving.png")
    dialog.get_by_role("button", name="Delete my account").click()

    expect(box.get_by_text("Your account was deleted.")).to_be_visible()
    expect(box.get_by_text("Log in to Twitter or Facebook account to connect.")).to_be_visible()
    placeholder = box.locator("li.comment.deleted")
    expect(placeholder).to_contain_text("This comment was deleted.")
    expect(placeholder).not_to_contain_text("export controls")
    placeholder.get_by_role("button", name="View 1 reply").click()
    expect(placeholder.get_by_role("list", name="Replies to Deleted account")).to_contain_text(
        "Agreed, and on the chips too."
    )
    expect(box.get_by_role("heading", name="1 comment")).to_be_visible()
    assert errors.seen == []


def test_an_admin_erases_an_account_from_the_user_drawer(
    newsroom: Newsroom, browser: Any, reader: SignedIn, admin: SignedIn
) -> None:
    page = console_page(browser, newsroom, admin.token)
    errors = PageErrors(page)
    api = page.request
    api.patch(
        f"{newsroom.api}/v1/admin/articles/{ARTICLE_ID}",
        headers=admin.headers,
        data={"premoderated": True},
    )
    posted = api.post(
        f"{newsroom.api}/v1/articles/{ARTICLE_ID}/comments",
        headers=reader.headers,
        data={"body": "A remark held for review."},
    )
    assert posted.json()["status"] == "held"
    page.reload()
    expect(page.locator("li.item")).to_have_count(1)
    page.keyboard.press("j")
    page.keyboard.press("u")
    drawer = page.get_by_role("dialog", name="User: Min-jun Reader")
    erase = drawer.get_by_role("form", name="Erase on request")
    erase.get_by_label("Their comments").select_option("delete")
    erase.get_by_role("button", name="Erase account").click()
    expect(drawer).to_contain_text("Say how the request came first")
    erase.get_by_label("How the request came").fill("E-mail to the desk, 2026-12-01, ref. 17")
    page.once("dialog", lambda confirm: confirm.accept())
    erase.get_by_role("button", name="Erase account").click()

    erased = page.get_by_role("dialog", name="User: Deleted account")
    expect(erased).to_contain_text("This account was erased.")
    expect(erased).to_contain_text("Account erased.")
    expect(erased.get_by_role("form", name="Erase on request")).to_have_count(0)
    assert errors.seen == []


def test_a_reader_who_left_while_banned_is_told_why_signing_in_again_fails(
    newsroom: Newsroom, browser: Any, admin: SignedIn
) -> None:
    page, errors, box = signed_in_with_x(newsroom, browser)
    me = page.request.get(f"{newsroom.api}/v1/me").json()
    banned = page.request.post(
        f"{newsroom.api}/v1/admin/users/{me['id']}/ban",
        headers=admin.headers,
        data={"reason": "Abuse of other readers"},
    )
    assert banned.ok, banned.text()
    page.reload()
    box.get_by_role("button", name="Delete my account").click()
    box.get_by_role("dialog", name="Delete my account").get_by_role(
        "button", name="Delete my account"
    ).click()
    expect(box.get_by_text("Your account was deleted.")).to_be_visible()

    box.get_by_role("link", name="Log in with X (Twitter)").click()

    expect(box.get_by_text("it cannot sign in again until the bar ends")).to_be_visible()
    expect(box.get_by_role("link", name="Log in with X (Twitter)")).to_be_visible()
    assert errors.seen == []
